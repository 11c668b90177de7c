# -*- coding: utf-8 -*-
# Copyright: dockercluster.swarm contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Client of the hosted token discovery API (what ``swarm create`` / ``swarm list`` talk to).

The API, as classic Swarm 1.2.x uses it (https only):
- ``POST {base}/clusters`` -> the new token as text (``swarm create``)
- ``POST {base}/clusters/{token}?ttl={secs}`` body ``ip:port`` -> registers a node (``swarm join``)
- ``GET {base}/clusters/{token}`` -> JSON array of ``ip:port`` (``swarm list``)
- ``DELETE {base}/clusters/{token}`` -> removes the cluster

Docker's own service at https://discovery.hub.docker.com/v1 was shut down on 2019-06-19.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from ansible.module_utils.six.moves.urllib.error import HTTPError, URLError
from ansible.module_utils.urls import ConnectionError as UrlsConnectionError
from ansible.module_utils.urls import open_url
from ansible_collections.dockercluster.swarm.plugins.module_utils.classic_discovery import (
    DEFAULT_HOSTED_BASE,
    HUB_SHUTDOWN,
    normalize_base,
    validate_token,
)

try:
    import ssl
    SSL_ERRORS = (ssl.SSLError, ssl.CertificateError)
except (ImportError, AttributeError):  # pragma: no cover
    SSL_ERRORS = ()


class HostedDiscoveryError(Exception):
    """An answer or a failure of the hosted discovery API; ``unreachable`` when nothing answered."""

    def __init__(self, msg, unreachable=False, status=None):
        super(HostedDiscoveryError, self).__init__(msg)
        self.unreachable = unreachable
        self.status = status


def unreachable_message(base, reason):
    msg = 'the hosted token discovery at %s cannot be reached: %s.' % (base, reason)
    if base == DEFAULT_HOSTED_BASE:
        msg += (' Docker\'s hosted discovery service (discovery.hub.docker.com) was shut down on %s and '
                'will not answer again.' % HUB_SHUTDOWN)
    else:
        msg += (' (Docker\'s own hosted discovery, discovery.hub.docker.com, was shut down on %s.)' % HUB_SHUTDOWN)
    msg += (' Point discovery_url (role variable swarm_classic_discovery_url) at a server implementing the same API '
            '(POST /clusters, GET/POST/DELETE /clusters/<token>), or use another discovery: consul, etcd, zk, '
            'file or nodes (swarm_classic_discovery).')
    return msg


class HostedDiscovery(object):
    """``open_url`` is injectable so the unit tests can fake the server."""

    def __init__(self, base=DEFAULT_HOSTED_BASE, validate_certs=True, ca_path=None, timeout=30, opener=None):
        self.base = normalize_base(base)
        self.validate_certs = validate_certs
        self.ca_path = ca_path
        self.timeout = timeout
        self.opener = opener or open_url

    def _call(self, method, path, data=None, headers=None):
        url = self.base + path
        # No redirect is followed: one could send the token elsewhere, or over plain http. No
        # credentials from (root's) ~/.netrc either: the API takes none, and they are not this server's.
        kwargs = dict(method=method, data=data, headers=headers or {}, validate_certs=self.validate_certs,
                      timeout=self.timeout, http_agent='dockercluster.swarm', follow_redirects='none',
                      use_netrc=False)
        if self.ca_path:
            kwargs['ca_path'] = self.ca_path
        try:
            response = self.opener(url, **kwargs)
            body = response.read()
        except HTTPError as exc:
            if 300 <= exc.code < 400:
                raise HostedDiscoveryError(self._redirect_message(method, path, exc), status=exc.code)
            detail = ''
            try:
                detail = exc.read().decode('utf-8', 'replace').strip()
            except Exception:  # noqa: BLE001 - the body is only a nicety
                pass
            raise HostedDiscoveryError('hosted discovery at %s: %s %s answered HTTP %s%s'
                                       % (self.base, method, path.split('/')[1], exc.code,
                                          (': ' + detail[:200]) if detail else ''), status=exc.code)
        except (URLError, UrlsConnectionError, OSError, ValueError) + SSL_ERRORS as exc:
            reason = getattr(exc, 'reason', None) or exc
            raise HostedDiscoveryError(unreachable_message(self.base, reason), unreachable=True)
        if isinstance(body, bytes):
            body = body.decode('utf-8', 'replace')
        return body

    def _redirect_message(self, method, path, exc):
        # open_url raises the redirect as an HTTPError whose URL is the redirect's target.
        headers = getattr(exc, 'headers', None) or getattr(exc, 'hdrs', None) or {}
        target = getattr(exc, 'filename', None) or headers.get('Location') or '(no Location)'
        token = path.split('/')[2].split('?')[0] if path.count('/') >= 2 else None
        if token:
            target = target.replace(token, '<token>')
        return ('hosted discovery at %s: %s /%s answered HTTP %s, a redirect to %s, which is not followed (a '
                'redirect could send the token elsewhere or over plain http). Point discovery_url at the final '
                'https URL.' % (self.base, method, path.split('/')[1].split('?')[0], exc.code, target))

    def create(self):
        """A new cluster token (``swarm create``)."""
        body = self._call('POST', '/clusters')
        try:
            return validate_token(body.strip())
        except ValueError:
            raise HostedDiscoveryError('hosted discovery at %s answered POST /clusters with something that is not '
                                       'a token (%d characters)' % (self.base, len(body.strip())))

    def list(self, token):
        """The ``ip:port`` entries registered for ``token`` (``swarm list``)."""
        body = self._call('GET', '/clusters/' + validate_token(token))
        try:
            entries = json.loads(body or '[]')
        except ValueError:
            raise HostedDiscoveryError('hosted discovery at %s answered GET /clusters/<token> with no JSON list'
                                       % self.base)
        if not isinstance(entries, list):
            raise HostedDiscoveryError('hosted discovery at %s answered GET /clusters/<token> with no JSON list'
                                       % self.base)
        return [str(e) for e in entries]

    def register(self, token, addr, ttl):
        """Register ``addr`` for ``ttl`` seconds (what ``swarm join`` does at each heartbeat)."""
        self._call('POST', '/clusters/%s?ttl=%d' % (validate_token(token), int(ttl)), data=addr,
                   headers={'Content-Type': 'application/json'})

    def delete(self, token):
        """Remove the cluster; returns False when the server did not know it (HTTP 404)."""
        try:
            self._call('DELETE', '/clusters/' + validate_token(token))
        except HostedDiscoveryError as exc:
            if exc.status == 404:
                return False
            raise
        return True

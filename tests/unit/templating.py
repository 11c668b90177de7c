"""Render a value as Ansible templates a role's default, on every ansible-core the tests run."""


def render(value, variables):
    """Template ``value`` as a role's default is (ansible-core 2.19 templates only trusted strings)."""
    from ansible.parsing.dataloader import DataLoader
    from ansible.template import Templar
    try:
        from ansible.template import trust_as_template
    except ImportError:  # ansible-core before 2.19: every string is a template
        trust_as_template = None
    if trust_as_template is not None:
        value = trust_as_template(value)
    return Templar(loader=DataLoader(), variables=variables).template(value)

"""The one exception the engine raises for a problem that cannot be solved as given."""


class ProblemError(ValueError):
    """An inconsistent problem: unknown id, negative capacity, a pin that cannot hold...

    The message is one line naming what is wrong, fit to show a coordinator or a script.
    """

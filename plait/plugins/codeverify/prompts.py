"""Prompts of the UnitCoder graph (Ma et al. 2025): write unit tests, fix the code, polish it."""

TESTS = """You are given a Python function{task}.

```python
{code}
```

Write a unittest test module for `{entry}`. Start with `import unittest` and
`from solution import {entry}`. Write one `unittest.TestCase` class whose test methods cover
normal cases, edge cases, invalid inputs (with `assertRaises`) and boundary values.
Reply with a single ```python code block and nothing else."""

FIX = """The function below fails some of its unit tests. The tests are correct and fixed: change
only the function.

```python
{code}
```

The tests:

```python
{tests}
```

What failed:
{failures}

Reply with the whole corrected function (with any imports it needs) in a single ```python code
block, keeping the name `{entry}` and its signature."""

POLISH = """This function passes all of its unit tests. Rewrite it for readability: a clear docstring,
descriptive variable names, short comments where they help. Keep the name `{entry}`, the
signature and the behaviour exactly.

```python
{code}
```

Reply with a single ```python code block."""

# The UnitCoder release's polish step (UnitCoder_pipeline.py, _get_polish_prompt), in plait's words:
# the docstring items come from the preset's ``polish_spec``; the tests are shown too.
POLISH_SPEC = """This function passes all of its unit tests. Polish and optimise it while keeping its
behaviour exactly. The code must include:
1. a complete docstring with: {spec}
2. clear inline comments on the key logic
3. error handling where it is needed
4. a clean, readable structure
5. every import it needs
Keep the name `{entry}` and the signature.

```python
{code}
```

The unit tests it must still pass:

```python
{tests}
```

Reply with the polished code in a single ```python code block."""

DEFAULT_POLISH_SPEC = ("docstring", "names", "comments")  # what POLISH asks for


def polish(code: str, entry: str, tests: str | None, spec: tuple[str, ...] | list[str] = DEFAULT_POLISH_SPEC) -> str:
    """The polish prompt: plait's own for the default spec, else the docstring-spec prompt."""
    if tuple(spec) == DEFAULT_POLISH_SPEC:
        return POLISH.format(code=code, entry=entry)
    items = ", ".join(("raises (if any)" if item == "raises" else item) for item in spec)
    return POLISH_SPEC.format(code=code, entry=entry, tests=tests or "", spec=items)

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

"""plait-quotebook: a third-party-style plait plugin.

Registers the tool ``quote_search``, the command group ``plait quotes`` and the agent ``quotebot``.
Imports stay cheap: LangGraph loads only when the agent is built.
"""

from __future__ import annotations

import json
from typing import Optional

from plait import hookimpl

from plait_quotebook.quotes import quote_search

__version__ = "0.1.0"


@hookimpl
def register_tools(register):
    register(quote_search)


@hookimpl
def register_agents(register):
    def quotebot(ctx):  # factory(ctx: plait.AgentContext) -> Agent
        from plait_quotebook.graph import QuotebotAgent

        return QuotebotAgent(ctx)

    register("quotebot", quotebot)


def _show(quote: dict) -> str:
    return f"\u201c{quote['text']}\u201d \u2014 {quote['author']} ({quote['source']})"


@hookimpl
def register_commands(cli):
    import typer

    from plait_quotebook import quotes as book

    group = typer.Typer(help="Search the quote book (plait-quotebook plugin).", no_args_is_help=True)

    @group.command("search")
    def search(
        query: str = typer.Argument(..., help="words describing the subject"),
        limit: int = typer.Option(3, "--limit", "-n", help="most quotations to show"),
        author: Optional[str] = typer.Option(None, "--author", help="only this author"),
        as_json: bool = typer.Option(False, "--json", help="print a JSON list"),
    ) -> None:
        """Find quotations about a subject."""
        found = book.quote_search(query, limit=limit, author=author)
        if as_json:
            typer.echo(json.dumps(found, ensure_ascii=False))
            return
        if not found:
            typer.echo(f"no quotation about {query!r}")
            raise typer.Exit(1)
        for quote in found:
            typer.echo(_show(quote))

    @group.command("random")
    def random_cmd(
        seed: Optional[int] = typer.Option(None, "--seed", help="repeatable choice"),
        author: Optional[str] = typer.Option(None, "--author", help="only this author"),
        as_json: bool = typer.Option(False, "--json", help="print a JSON object"),
    ) -> None:
        """Print a random quotation."""
        quote = book.random_quote(seed=seed, author=author)
        typer.echo(json.dumps(quote, ensure_ascii=False) if as_json else _show(quote))

    @group.command("authors")
    def authors_cmd() -> None:
        """List the authors in the book."""
        for name in book.authors():
            typer.echo(name)

    cli.add_typer(group, name="quotes")

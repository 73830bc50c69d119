"""Translation: childhub's declared SQL (DuckDB's dialect, with its macros) into the SQL another engine runs.

``translate(sql, engine, macros)`` parses the SQL with SQLGlot, binds its parameters (``$name`` and ``?``) as
literals, expands childhub's macros (``Macros``: the ``CREATE MACRO`` statements a DuckDB connection would have), and
rewrites what Spark lacks or does differently as transforms of the parsed tree, each named in ``SPARK_REWRITES``.
SQLGlot's Spark dialect writes the rest. What cannot be translated raises ``UnsupportedConstruct`` naming the engine,
the definition and the construct, before anything runs.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from childhub.engines.errors import EngineError, UnsupportedConstruct

_MACRO = re.compile(
    r"^\s*CREATE\s+(?:OR\s+REPLACE\s+)?(?:TEMP(?:ORARY)?\s+)?MACRO\s+(?:[a-z_][a-z0-9_]*\.)?([a-z_][a-z0-9_]*)"
    r"\s*\(([^)]*)\)\s+AS\s+(TABLE\s+)?(.*?)\s*;?\s*$",
    re.IGNORECASE | re.DOTALL,
)
_MAX_EXPANSION = 20  # macros calling macros, this deep at most (a macro calling itself is refused)


@dataclass(frozen=True)
class Macro:
    """One DuckDB macro: its parameters and body (an expression, or a SELECT for a table macro)."""

    name: str
    parameters: tuple[str, ...]
    body: exp.Expression
    table: bool = False


class Macros:
    """The macros a connection has, by name: read from ``CREATE MACRO`` statements (``add``)."""

    def __init__(self, statements: Iterable[str] = ()) -> None:
        self._macros: dict[str, Macro | tuple[tuple[str, ...], str, bool]] = {}
        for statement in statements:
            self.add(statement)

    def add(self, statements: str) -> None:
        """Record every ``CREATE [OR REPLACE] [TEMP] MACRO`` in ``statements`` (one or several, ``;``-separated)."""
        for statement in split_statements(statements):
            match = _MACRO.match(statement)
            if not match:
                raise EngineError(f"not a macro definition: {statement[:80]!r}")
            name, parameters, table, body = match.groups()
            names = tuple(part.strip().lower() for part in parameters.split(",") if part.strip())
            self._macros[name.lower()] = (names, body, bool(table))  # parsed when first used

    def get(self, name: str) -> Macro | None:
        """The macro ``name``, its body parsed (``UnsupportedConstruct`` if SQLGlot cannot read it)."""
        found = self._macros.get(name.lower())
        if found is None or isinstance(found, Macro):
            return found
        parameters, body, table = found
        try:
            parsed = _positions_as_written(sqlglot.parse_one(_bare_lambdas(body), read="duckdb"))
        except SqlglotError as error:
            raise UnsupportedConstruct(f"the macro {name} could not be parsed: {str(error).splitlines()[0]}") from None
        macro = Macro(name.lower(), parameters, parsed, table)
        self._macros[name.lower()] = macro
        return macro

    def __contains__(self, name: str) -> bool:
        return name.lower() in self._macros

    def __len__(self) -> int:
        return len(self._macros)


def _bare_lambdas(sql: str) -> str:
    """DuckDB writes a stored macro's lambdas in parentheses (``list_apply(l, (lambda i: i + 1))``), which SQLGlot
    does not read: the parentheses around each lambda removed (outside quotes)."""
    out = list(sql)
    starts = [m.start() for m in re.finditer(r"\(\s*lambda\s", sql)]
    for start in starts:
        depth, quote = 0, None
        for i in range(start, len(sql)):
            char = sql[i]
            if quote:
                quote = None if char == quote else quote
            elif char in "'\"":
                quote = char
            elif char == "(":
                depth += 1
            elif char == ")":
                depth -= 1
                if depth == 0:
                    out[start], out[i] = " ", " "
                    break
    return "".join(out)


def is_macro_statement(sql: str) -> bool:
    """Whether ``sql`` (one statement) creates a macro."""
    return bool(_MACRO.match(strip_comments(sql)))


def strip_comments(sql: str) -> str:
    """``sql`` without its ``--`` comments (outside quotes)."""
    out, quote, i = [], None, 0
    while i < len(sql):
        char = sql[i]
        if quote:
            out.append(char)
            if char == quote:
                quote = None
        elif char in "'\"":
            quote = char
            out.append(char)
        elif sql.startswith("--", i):
            while i < len(sql) and sql[i] != "\n":
                i += 1
            continue
        else:
            out.append(char)
        i += 1
    return "".join(out)


def split_statements(sql: str) -> list[str]:
    """The statements of ``sql``, comments removed, split at the semicolons outside quotes."""
    text = strip_comments(sql)
    statements, current, quote = [], [], None
    for char in text:
        if quote:
            if char == quote:
                quote = None
        elif char in "'\"":
            quote = char
        elif char == ";":
            statements.append("".join(current))
            current = []
            continue
        current.append(char)
    statements.append("".join(current))
    return [statement.strip() for statement in statements if statement.strip()]


# ---------------------------------------------------------------------------------------------------- parameters


def literal(value: Any) -> exp.Expression:
    """A Python value as a SQL literal of the type DuckDB would bind it as."""
    if value is None:
        return exp.Null()
    if isinstance(value, bool):
        return exp.Boolean(this=value)
    if isinstance(value, datetime):
        return exp.Cast(
            this=exp.Literal.string(value.isoformat(sep=" ")), to=exp.DataType.build("TIMESTAMP", dialect="duckdb")
        )
    if isinstance(value, date):
        return exp.Cast(this=exp.Literal.string(value.isoformat()), to=exp.DataType.build("DATE"))
    if isinstance(value, int | float | Decimal):
        return exp.Literal.number(value)
    if isinstance(value, str):
        return exp.Literal.string(value)
    if isinstance(value, list | tuple):
        return exp.Array(expressions=[literal(item) for item in value])
    raise EngineError(f"a parameter of type {type(value).__name__} cannot be bound")


def _bind(tree: exp.Expression, params: Sequence[Any] | Mapping[str, Any] | None, source: str) -> exp.Expression:
    placeholders = list(tree.find_all(exp.Placeholder))
    if not placeholders:
        return tree
    positional = iter(params) if isinstance(params, list | tuple) else iter(())
    for placeholder in placeholders:
        name = placeholder.this
        if name and str(name).isdigit() and isinstance(params, list | tuple) and 0 < int(name) <= len(params):
            value = params[int(name) - 1]
        elif name:
            if not isinstance(params, Mapping) or name not in params:
                raise EngineError(f"{source}: no value for the parameter ${name}")
            value = params[name]
        else:
            try:
                value = next(positional)
            except StopIteration:
                raise EngineError(f"{source}: fewer parameters than '?' in the SQL") from None
        placeholder.replace(literal(value))
    return tree


# -------------------------------------------------------------------------------------------------------- macros


def _needs_parentheses(node: exp.Expression) -> bool:
    return not isinstance(
        node,
        exp.Column
        | exp.Literal
        | exp.Null
        | exp.Boolean
        | exp.Func
        | exp.Paren
        | exp.Cast
        | exp.Identifier
        | exp.Bracket,
    )


def _substitute(macro: Macro, arguments: list[exp.Expression]) -> exp.Expression:
    """The macro's body with each parameter replaced by its argument; a parameter used as a row
    (``episode.short_break``) takes the argument's alias (``e.short_break``) or, for an expression, its field."""
    by_name = dict(zip(macro.parameters, arguments, strict=True))
    body = macro.body.copy()
    replacements: list[tuple[exp.Expression, exp.Expression]] = []
    for column in body.find_all(exp.Column):
        table = column.table.lower() if column.table else ""
        if not table and column.name.lower() in by_name:
            argument = by_name[column.name.lower()].copy()
            replacements.append((column, exp.Paren(this=argument) if _needs_parentheses(argument) else argument))
        elif table in by_name and not column.args.get("db"):
            argument = by_name[table]
            field = column.args["this"].copy()
            if isinstance(argument, exp.Column) and not argument.table:
                replacements.append((column, exp.Column(this=field, table=argument.args["this"].copy())))
            else:
                replacements.append((column, exp.Dot(this=exp.Paren(this=argument.copy()), expression=field)))
    for old, new in replacements:
        if old is body:
            body = new
        else:
            old.replace(new)
    return body


def _unique_ctes(body: exp.Expression, prefix: str) -> exp.Expression:
    """A table macro's body with its CTEs renamed ``prefix_name``: SQLGlot's Spark SQL moves every CTE to the
    statement's top, where two uses of one macro would name theirs alike."""
    names = {cte.alias_or_name: f"{prefix}_{cte.alias_or_name}" for cte in body.find_all(exp.CTE)}
    for cte in body.find_all(exp.CTE):
        cte.set("alias", exp.TableAlias(this=exp.to_identifier(names[cte.alias_or_name])))
    for table in body.find_all(exp.Table):
        if not table.db and table.name in names:
            if not table.alias:
                table.set("alias", exp.TableAlias(this=exp.to_identifier(table.name)))
            table.set("this", exp.to_identifier(names[table.name]))
    return body


def _tables_by_name(tree: exp.Expression) -> exp.Expression:
    """DuckDB's ``query_table('name')`` (a table named by a string, as a table macro is given a CTE's name): the
    table ``name`` itself."""
    for table in list(tree.find_all(exp.Table)):
        function = table.this
        if isinstance(function, exp.Anonymous) and function.name.lower() == "query_table":
            arguments = function.expressions
            if len(arguments) != 1 or not (isinstance(arguments[0], exp.Literal) and arguments[0].is_string):
                raise UnsupportedConstruct("query_table given something other than a table's name")
            named = exp.Table(this=exp.to_identifier(arguments[0].this))
            if table.args.get("alias") is not None:
                named.set("alias", table.args["alias"].copy())
            table.replace(named)
    return tree


def _expand_macros(tree: exp.Expression, macros: Macros, source: str) -> exp.Expression:
    counter = itertools.count(1)
    for _ in range(_MAX_EXPANSION):
        calls = [
            node
            for node in tree.find_all(exp.Anonymous)
            if node.name.lower() in macros and not isinstance(node.parent, exp.Table)
        ]
        tables = [
            node
            for node in tree.find_all(exp.Table)
            if isinstance(node.this, exp.Anonymous) and node.this.name.lower() in macros
        ]
        if not calls and not tables:
            return tree
        for call in calls:
            macro = macros.get(call.name)
            assert macro is not None
            if macro.table:
                raise UnsupportedConstruct(f"{source}: the table macro {macro.name} is used as a value")
            arguments = list(call.expressions)
            if len(arguments) != len(macro.parameters):
                raise EngineError(
                    f"{source}: {macro.name} takes {len(macro.parameters)} argument(s), given {len(arguments)}"
                )
            expanded = _substitute(macro, arguments)
            if call is tree:
                tree = expanded
            else:
                call.replace(exp.Paren(this=expanded) if _needs_parentheses(expanded) else expanded)
        for table in tables:
            macro = macros.get(table.this.name)
            assert macro is not None
            if not macro.table:
                raise UnsupportedConstruct(f"{source}: the macro {macro.name} is used as a table")
            alias = table.args.get("alias") or exp.TableAlias(this=exp.to_identifier(macro.name))
            body = _unique_ctes(_substitute(macro, list(table.this.expressions)), f"{macro.name}_{next(counter)}")
            table.replace(exp.Subquery(this=body, alias=alias.copy()))
    raise UnsupportedConstruct(f"{source}: macros nested more than {_MAX_EXPANSION} deep (a macro calling itself?)")


# ------------------------------------------------------------------------------------------------ Spark rewrites

_LIST_EXPRESSIONS = (exp.ArrayAgg, exp.Array, exp.ArrayFilter, exp.ArraySort, exp.ArrayConcat, exp.ArrayDistinct)
_DATE_FUNCTIONS = (exp.CurrentDate, exp.DateFromParts, exp.DateAdd, exp.DateSub, exp.LastDay, exp.TsOrDsToDate)


class _Types:
    """What is known of the statement's columns: the names that are dates (from the tables' schemas, and the aliases
    of date expressions in the statement itself)."""

    def __init__(
        self, tree: exp.Expression, date_columns: Iterable[str], columns: Mapping[str, Sequence[str]] | None = None
    ) -> None:
        self.columns = {name.lower(): list(names) for name, names in (columns or {}).items()}
        self.dates = {name.lower() for name in date_columns}
        self.lists: set[str] = set()
        for _ in range(5):  # aliases of aliases of dates (and of lists)
            before = len(self.dates) + len(self.lists)
            for alias in tree.find_all(exp.Alias):
                if self.is_date(alias.this):
                    self.dates.add(alias.alias.lower())
                if self.is_list(alias.this):
                    self.lists.add(alias.alias.lower())
            if len(self.dates) + len(self.lists) == before:
                break

    def is_list(self, node: exp.Expression) -> bool:
        """Whether ``node`` is a list: a list built in the statement (``list(...)``, ``[...]``, ``list_sort``,
        ``list_filter``...) or a column that is an alias of one."""
        if isinstance(node, exp.Paren | exp.Filter):
            return self.is_list(node.this)
        if isinstance(node, _LIST_EXPRESSIONS):
            return True
        if isinstance(node, exp.Anonymous):
            return node.name.lower().startswith("list_") and node.name.lower() not in {"list_sum", "list_position"}
        if isinstance(node, exp.Column):
            return not node.table and node.name.lower() in self.lists
        return False

    def is_date(self, node: exp.Expression) -> bool:
        if isinstance(node, exp.Paren):
            return self.is_date(node.this)
        if isinstance(node, exp.Cast | exp.TryCast):
            return node.to.is_type(exp.DataType.Type.DATE)
        if isinstance(node, _DATE_FUNCTIONS):
            return True
        if isinstance(node, exp.Column):
            return node.name.lower() in self.dates
        if isinstance(node, exp.Filter | exp.Window | exp.IgnoreNulls):  # an aggregate's FILTER, OVER
            return self.is_date(node.this)
        if isinstance(node, exp.Min | exp.Max | exp.AnyValue | exp.ArgMax | exp.ArgMin | exp.First | exp.Last):
            return self.is_date(node.this)  # the extreme (or any) of dates is a date
        if isinstance(node, exp.Coalesce | exp.Least | exp.Greatest):
            return any(self.is_date(part) for part in [node.this, *node.expressions])
        if isinstance(node, exp.Case):
            return any(self.is_date(branch.args["true"]) for branch in node.args.get("ifs", [])) or (
                node.args.get("default") is not None and self.is_date(node.args["default"])
            )
        if isinstance(node, exp.Add | exp.Sub):
            left, right = node.this, node.expression
            if isinstance(node, exp.Sub) and self.is_date(right):
                return False  # days
            return (self.is_date(left) and not isinstance(right, exp.Interval)) or (
                isinstance(node, exp.Add) and self.is_date(right) and not isinstance(left, exp.Interval)
            )
        return False


def _cte(node: exp.Expression, name: str) -> exp.CTE | None:
    """The CTE ``name`` visible from ``node``: in the WITH of a query around it (the nearest first)."""
    scope = node.parent
    while scope is not None:
        with_ = scope.args.get("with_") if isinstance(scope, exp.Query) else None
        if with_ is not None:
            for cte in with_.expressions:
                # a CTE does not read itself: the same name inside it is a table of that name
                if cte.alias_or_name.lower() == name.lower() and node.find_ancestor(exp.CTE) is not cte:
                    return cte
        scope = scope.parent
    return None


def _source_columns(source: exp.Expression, types: _Types) -> list[str] | None:
    """The columns of a FROM or JOIN source: a table or view (its schema), a CTE, a subquery; None if unknown."""
    if isinstance(source, exp.Table) and isinstance(source.this, exp.Identifier):
        cte = _cte(source, source.name)
        if cte is not None:
            return _query_columns(cte.this, types)
        return types.columns.get(source.name.lower())
    if isinstance(source, exp.Subquery):
        return _query_columns(source.this, types)
    return None


def _sources(select: exp.Select) -> list[exp.Expression]:
    from_ = select.args.get("from_")
    found = [from_.this] if from_ is not None else []
    return found + [join.this for join in select.args.get("joins") or []]


def _star_columns(select: exp.Select, star: exp.Expression, types: _Types) -> list[exp.Expression] | None:
    """What ``*`` or ``t.*`` in ``select`` stands for, as columns; None when unknown."""
    qualifier = star.table if isinstance(star, exp.Column) else ""
    sources = _sources(select)
    if qualifier:
        sources = [source for source in sources if source.alias_or_name.lower() == qualifier.lower()]
    elif len(sources) != 1:
        return None  # ``*`` over a join: which columns a USING join merges is not worked out here
    if len(sources) != 1:
        return None
    names = _source_columns(sources[0], types)
    if names is None:
        return None
    return [
        exp.Column(this=exp.to_identifier(name), table=exp.to_identifier(qualifier) if qualifier else None)
        for name in names
    ]


def _query_columns(query: exp.Expression, types: _Types) -> list[str] | None:
    if isinstance(query, exp.SetOperation):
        return _query_columns(query.this, types)
    if isinstance(query, exp.Subquery):
        return _query_columns(query.this, types)
    if not isinstance(query, exp.Select):
        return None
    names: list[str] = []
    for projection in query.expressions:
        if isinstance(projection, exp.Star) or (isinstance(projection, exp.Column) and projection.is_star):
            columns = _star_columns(query, projection, types)
            if columns is None:
                return None
            names.extend(column.name for column in columns)
        elif projection.alias_or_name:
            names.append(projection.alias_or_name)
        else:
            return None
    return names


def _qualify_star(node: exp.Expression, types: _Types) -> exp.Expression:
    """Spark 3.5 has no QUALIFY: SQLGlot moves the filter to an outer query over a column it adds (``_w``), which a
    ``SELECT *`` would pass on (and two levels would name alike). Stars beside a QUALIFY are written out as the
    columns they stand for (from the tables' schemas, the CTEs and subqueries); refused when they cannot be."""
    if not isinstance(node, exp.Select) or node.args.get("qualify") is None:
        return node
    projections: list[exp.Expression] = []
    for projection in node.expressions:
        if isinstance(projection, exp.Star) or (isinstance(projection, exp.Column) and projection.is_star):
            columns = _star_columns(node, projection, types)
            if columns is None:
                raise UnsupportedConstruct(f"QUALIFY beside {projection.sql('duckdb')} over columns not known")
            projections.extend(columns)
        else:
            projections.append(projection)
    node.set("expressions", projections)
    return node


def _date_difference(node: exp.Expression, types: _Types) -> exp.Expression:
    """``date - date`` is a number of days in DuckDB and an interval in Spark: ``datediff``."""
    if isinstance(node, exp.Sub) and types.is_date(node.expression):  # nothing but a date less a date is valid
        return exp.Anonymous(this="datediff", expressions=[node.this.copy(), node.expression.copy()])
    return node


def _list_index(node: exp.Expression, types: _Types) -> exp.Expression:
    """DuckDB counts list positions from 1 and negative ones from the end (``[-1]`` the last); Spark's ``[i]``
    counts from 0: ``element_at`` counts as DuckDB does."""
    if isinstance(node, exp.Bracket) and len(node.expressions) == 1 and not isinstance(node.expressions[0], exp.Slice):
        return exp.Anonymous(this="element_at", expressions=[node.this.copy(), node.expressions[0].copy()])
    return node


def _positions_as_written(tree: exp.Expression) -> exp.Expression:
    """SQLGlot's parser keeps a literal list position counted from 0 (DuckDB's ``[2]`` as 1, ``[-1]`` as -2) and any
    other as written; back to DuckDB's as written, right after parsing, so a macro's ``[n]`` given 1 means 1."""
    for node in tree.find_all(exp.Bracket):
        if len(node.expressions) != 1:
            continue
        index = node.expressions[0]
        number = index.this if isinstance(index, exp.Neg) else index
        if isinstance(number, exp.Literal) and number.is_int:
            written = (-int(number.this) if isinstance(index, exp.Neg) else int(number.this)) + 1
            index.replace(exp.Literal.number(written) if written >= 0 else exp.Neg(this=exp.Literal.number(-written)))
    return tree


def _list_length(node: exp.Expression, types: _Types) -> exp.Expression:
    """``len(list)`` is a list's length: Spark's ``size`` (``length`` is a string's)."""
    if isinstance(node, exp.Length) and types.is_list(node.this):
        return exp.ArraySize(this=node.this.copy())
    return node


def _iso_weekday(node: exp.Expression, types: _Types) -> exp.Expression:
    """``isodow`` (Monday 1 to Sunday 7) from Spark's ``dayofweek`` (Sunday 1 to Saturday 7)."""
    if isinstance(node, exp.DayOfWeekIso):
        day = exp.Anonymous(this="dayofweek", expressions=[node.this.copy()])
        return exp.Paren(
            this=exp.Add(
                this=exp.Mod(
                    this=exp.Paren(this=exp.Add(this=day, expression=exp.Literal.number(5))),
                    expression=exp.Literal.number(7),
                ),
                expression=exp.Literal.number(1),
            )
        )
    return node


def _arg_extreme(node: exp.Expression, types: _Types) -> exp.Expression:
    """DuckDB's ``arg_max(x, y)`` skips rows where ``x`` is NULL (``arg_max_null`` keeps them); Spark's ``max_by``
    keeps them: a FILTER leaves them out."""
    target = node.this if isinstance(node, exp.Filter) else node
    if isinstance(target, exp.Anonymous) and target.name.lower() in {"arg_max_null", "arg_min_null"}:
        spark = "max_by" if target.name.lower() == "arg_max_null" else "min_by"
        replacement = exp.Anonymous(this=spark, expressions=[e.copy() for e in target.expressions])
        if target is node:
            return replacement
        target.replace(replacement)
        return node
    if not isinstance(target, exp.ArgMax | exp.ArgMin) or isinstance(node.parent, exp.Window):
        return node
    if target is node and isinstance(node.parent, exp.Filter):
        return node  # rewritten with its FILTER
    if target.args.get("count") is not None:
        return node
    value = target.this
    not_null = exp.Not(this=exp.Is(this=value.copy(), expression=exp.Null()))
    if isinstance(node, exp.Filter):
        condition = node.expression.this
        node.set("expression", exp.Where(this=exp.and_(exp.Paren(this=condition.copy()), not_null)))
        return node
    if isinstance(node.parent, exp.Window):
        return node
    return exp.Filter(this=node.copy(), expression=exp.Where(this=not_null))


def _ordered_list(node: exp.Expression, types: _Types) -> exp.Expression:
    """``list(x ORDER BY k)``: Spark's ``collect_list`` has no order, so the values are collected with their keys
    as structs, sorted, and taken back out; an empty group is NULL, as in DuckDB. ``list(DISTINCT x ORDER BY x)``
    likewise, the duplicates removed."""
    target = node.this if isinstance(node, exp.Filter) else node
    if not isinstance(target, exp.ArrayAgg) or isinstance(node.parent, exp.Filter):
        return node
    inner = target.this
    keys: list[exp.Ordered] = []
    if isinstance(inner, exp.Order):
        keys = list(inner.expressions)
        inner = inner.this
    distinct = isinstance(inner, exp.Distinct)
    value = inner.expressions[0] if distinct else inner
    for key in keys:
        if key.args.get("desc") or key.args.get("nulls_first"):
            raise UnsupportedConstruct(f"list(... ORDER BY {key.sql('duckdb')}): only ascending, nulls last")
    if distinct and keys and any(key.this != value for key in keys):
        raise UnsupportedConstruct("list(DISTINCT x ORDER BY y) with y other than x")
    fields = [exp.PropertyEQ(this=exp.to_identifier(f"k{i}"), expression=key.this.copy()) for i, key in enumerate(keys)]
    fields.append(exp.PropertyEQ(this=exp.to_identifier("v"), expression=value.copy()))
    collected: exp.Expression = exp.Anonymous(this="collect_list", expressions=[exp.Struct(expressions=fields)])
    if isinstance(node, exp.Filter):
        collected = exp.Filter(this=collected, expression=node.expression.copy())
    if distinct:
        collected = exp.Anonymous(this="array_distinct", expressions=[collected])
    if keys:
        collected = exp.Anonymous(this="array_sort", expressions=[collected])
    item = exp.to_identifier("item")
    values = exp.Anonymous(
        this="transform",
        expressions=[
            collected,
            exp.Lambda(
                this=exp.Dot(this=exp.Column(this=item.copy()), expression=exp.to_identifier("v")),
                expressions=[item.copy()],
            ),
        ],
    )
    # NULL, as DuckDB gives, for a group with no rows (an empty list in Spark)
    return exp.Case(
        ifs=[
            exp.If(
                this=exp.EQ(this=exp.ArraySize(this=values.copy()), expression=exp.Literal.number(0)), true=exp.Null()
            )
        ],
        default=values,
    )


def _any_value(node: exp.Expression, types: _Types) -> exp.Expression:
    """DuckDB's ``any_value`` skips NULLs; Spark's does only when told (its second argument: Spark reads no
    ``IGNORE NULLS`` before a FILTER)."""
    target = node.this if isinstance(node, exp.IgnoreNulls) else node
    if isinstance(target, exp.AnyValue):
        return exp.Anonymous(this="any_value", expressions=[target.this.copy(), exp.Boolean(this=True)])
    return node


_STRPTIME = {"%d": "dd", "%m": "MM", "%Y": "yyyy", "%H": "HH", "%M": "mm", "%S": "ss", "%y": "yy"}


def _java_format(duckdb_format: str) -> str:
    out = re.sub(r"%[a-zA-Z]", lambda m: _STRPTIME.get(m.group(0), m.group(0)), duckdb_format)
    if "%" in out:
        raise UnsupportedConstruct(f"the date format {duckdb_format!r}")
    return out


def _functions(node: exp.Expression, types: _Types) -> exp.Expression:
    """DuckDB functions Spark names or spells differently."""
    if isinstance(node, exp.Anonymous):
        name, args = node.name.lower(), [arg.copy() for arg in node.expressions]
        if name == "try_strptime" and len(args) == 2 and isinstance(args[1], exp.Literal):
            return exp.Anonymous(
                this="try_to_timestamp", expressions=[args[0], exp.Literal.string(_java_format(args[1].this))]
            )
        if name in {"to_years", "to_months"} and len(args) == 1:
            years = name == "to_years"
            return exp.Anonymous(
                this="make_ym_interval",
                expressions=[args[0], exp.Literal.number(0)] if years else [exp.Literal.number(0), args[0]],
            )
        if name == "row":
            return exp.Struct(expressions=args)
        if name == "list_position" and len(args) == 2:
            return exp.Anonymous(this="array_position", expressions=args)
        if name == "list_contains" and len(args) == 2:
            return exp.ArrayContains(this=args[0], expression=args[1])
    if isinstance(node, exp.ToDays):
        return exp.Anonymous(this="make_dt_interval", expressions=[node.this.copy()])
    if isinstance(node, exp.RegexpFullMatch):
        pattern = node.expression
        if not isinstance(pattern, exp.Literal):
            raise UnsupportedConstruct("regexp_full_match with a pattern that is not a literal")
        return exp.RegexpLike(this=node.this.copy(), expression=exp.Literal.string(f"^(?:{pattern.this})$"))
    if isinstance(node, exp.RegexpReplace):
        modifiers = node.args.get("modifiers")
        if modifiers is None or "g" not in modifiers.name:
            raise UnsupportedConstruct("regexp_replace without the 'g' option (Spark replaces every match)")
    return node


def _double(expression: exp.Expression) -> exp.Expression:
    if isinstance(expression, exp.Cast) and expression.to.is_type(exp.DataType.Type.DOUBLE):
        return expression
    return exp.Cast(this=expression, to=exp.DataType.build("DOUBLE"))


def _division(node: exp.Expression, types: _Types) -> exp.Expression:
    """DuckDB's ``/`` and ``avg`` give a DOUBLE whatever they divide (decimals too); Spark's keep a DECIMAL a
    DECIMAL: what is divided or averaged is made a DOUBLE first (integers divide to a DOUBLE on both)."""
    if isinstance(node, exp.Div) and not isinstance(node.this, exp.Interval):
        node.set("this", _double(node.this.copy()))
    elif isinstance(node, exp.Avg) and isinstance(node.this, exp.Distinct) and len(node.this.expressions) == 1:
        node.this.set("expressions", [_double(node.this.expressions[0].copy())])
    elif isinstance(node, exp.Avg):
        node.set("this", _double(node.this.copy()))
    return node


def _lambda(body: exp.Expression, *names: str) -> exp.Lambda:
    return exp.Lambda(this=body, expressions=[exp.to_identifier(name) for name in names])


def _lists(node: exp.Expression, types: _Types) -> exp.Expression:
    """List comprehensions (``[f(i) for i in l if c]``: ``transform(filter(l, i -> c), i -> f(i))``),
    ``list_apply``/``list_transform`` (``transform``) and ``list_sum`` (``aggregate``: NULL for a list with no
    values, as DuckDB gives; summed as a DOUBLE, so whole numbers come back as floats of the same value)."""

    def inner(expression: exp.Expression) -> exp.Expression:  # what a rewritten node holds, rewritten too
        return expression.copy().transform(lambda child: _lists(child, types), copy=False)

    if (
        isinstance(node, exp.Array)
        and len(node.expressions) == 1
        and isinstance(node.expressions[0], exp.Comprehension)
    ):
        comprehension = node.expressions[0]
        variable = comprehension.expression.name
        items = inner(comprehension.args["iterator"])
        if comprehension.args.get("condition") is not None:
            items = exp.ArrayFilter(this=items, expression=_lambda(inner(comprehension.args["condition"]), variable))
        return exp.Anonymous(this="transform", expressions=[items, _lambda(inner(comprehension.this), variable)])
    if isinstance(node, exp.Anonymous) and node.name.lower() in {"list_apply", "list_transform", "array_apply"}:
        return exp.Anonymous(this="transform", expressions=[inner(arg) for arg in node.expressions])
    if isinstance(node, exp.Anonymous) and node.name.lower() == "list_sum" and len(node.expressions) == 1:
        values = exp.ArrayFilter(
            this=inner(node.expressions[0]),
            expression=_lambda(exp.Not(this=exp.Is(this=exp.column("_item"), expression=exp.Null())), "_item"),
        )
        total = exp.Anonymous(
            this="aggregate",
            expressions=[
                values.copy(),
                exp.Cast(this=exp.Literal.number(0), to=exp.DataType.build("DOUBLE")),
                _lambda(exp.Add(this=exp.column("_sum"), expression=exp.column("_item")), "_sum", "_item"),
            ],
        )
        empty = exp.EQ(this=exp.ArraySize(this=values), expression=exp.Literal.number(0))
        return exp.Case(ifs=[exp.If(this=empty, true=exp.Null())], default=total)
    return node


def _lateral_aliases(node: exp.Expression, types: _Types) -> exp.Expression:
    """DuckDB reads a column alias of a SELECT inside that SELECT's windows and QUALIFY (``row_number() OVER (ORDER
    BY for_the_birthday)``); Spark 3.5 reads an alias beside it but not inside a window: the aliased expression is
    written there instead (its own aliases too). A name that is also a column of the FROM is that column, as in
    DuckDB; when the FROM's columns are not known, an alias whose expression reads its own name is left alone."""
    if not isinstance(node, exp.Select):
        return node
    aliases = {p.alias.lower(): p.this for p in node.expressions if isinstance(p, exp.Alias)}
    if not aliases:
        return node
    known: set[str] | None = set()
    for source in _sources(node):
        names = _source_columns(source, types)
        if names is None:
            known = None
            break
        known.update(name.lower() for name in names)

    def is_alias(column: exp.Column) -> bool:
        name = column.name.lower()
        if column.table or name not in aliases:
            return False
        if known is not None:
            return name not in known
        return not any(c.name.lower() == name and not c.table for c in aliases[name].find_all(exp.Column))

    def inlined(expression: exp.Expression, depth: int = 0) -> exp.Expression:
        if depth > _MAX_EXPANSION:
            raise UnsupportedConstruct("column aliases reading each other in a window")
        for column in list(expression.find_all(exp.Column)):
            if is_alias(column) and column.find_ancestor(exp.Select) in (None, node):
                replacement = exp.Paren(this=inlined(aliases[column.name.lower()].copy(), depth + 1))
                if column is expression:
                    return replacement
                column.replace(replacement)
        return expression

    places = [*node.expressions, node.args.get("qualify")]
    windows = [w for place in places if place is not None for w in place.find_all(exp.Window)]
    for window in windows:
        if window.find_ancestor(exp.Select) is node:
            for part in ("partition_by", "order"):
                value = window.args.get(part)
                if isinstance(value, list):
                    window.set(part, [inlined(item) for item in value])
                elif value is not None:
                    window.set(part, inlined(value))
    return node


def _series_tables(node: exp.Expression, types: _Types) -> exp.Expression:
    """``FROM range(a, b[, step]) [AS t(n)]`` and ``generate_series`` (DuckDB's end excluded, or included; empty when
    the end comes first; the column named ``range``/``generate_series`` unless aliased). Spark's ``range`` TVF has
    DuckDB's ``range``'s whole numbers (its column ``id``); dates and timestamps by an interval are a ``sequence``
    exploded, cut at the end. SQLGlot's own version writes an alias Spark cannot resolve and compares an interval
    with 0."""
    if not isinstance(node, exp.Table) or not isinstance(node.this, exp.GenerateSeries):
        return node
    series = node.this
    exclusive = bool(series.args.get("is_end_exclusive"))
    start, end, step = series.args["start"], series.args["end"], series.args.get("step")
    alias = node.args.get("alias")
    columns = list(alias.columns) if alias is not None else []
    column = columns[0].name if columns else ("range" if exclusive else "generate_series")
    if step is not None and (isinstance(step, exp.Interval) or types.is_date(start)):
        bound = exp.GT if exclusive else exp.GTE
        cut = exp.ArrayFilter(
            this=exp.Anonymous(
                this="sequence",
                expressions=[start.copy(), exp.Greatest(this=end.copy(), expressions=[start.copy()]), step.copy()],
            ),
            expression=_lambda(bound(this=end.copy(), expression=exp.column("_x")), "_x"),
        )
        values = exp.select(exp.alias_(exp.Explode(this=cut), column, quoted=True))
    else:
        if step is not None and not isinstance(step, exp.Literal | exp.Neg):
            raise UnsupportedConstruct(f"{series.sql('duckdb')} with a step that is not a number written out")
        negative = isinstance(step, exp.Neg) or (isinstance(step, exp.Literal) and step.this.startswith("-"))
        stop = (
            end.copy()
            if exclusive
            else exp.Paren(this=(exp.Sub if negative else exp.Add)(this=end.copy(), expression=exp.Literal.number(1)))
        )
        arguments = [start.copy(), stop] + ([step.copy()] if step is not None else [])
        values = exp.select(exp.alias_(exp.column("id"), column, quoted=True)).from_(
            exp.Table(this=exp.Anonymous(this="range", expressions=arguments))
        )
    name = alias.this.copy() if alias is not None and alias.this else exp.to_identifier(column, quoted=True)
    return exp.Subquery(this=values, alias=exp.TableAlias(this=name))


def _over(window: exp.Window | None, aggregate: exp.Expression) -> exp.Expression:
    """``aggregate`` over the same window as ``window`` (or alone when None)."""
    if window is None:
        return aggregate
    over = window.copy()
    over.set("this", aggregate)
    return over


def _string_agg(node: exp.Expression, types: _Types) -> exp.Expression:
    """``string_agg(x, sep)`` (SQLGlot's LISTAGG, which Spark 3.5 lacks), aggregate or window, DISTINCT, ORDER BY
    ascending, FILTER: ``array_join`` of the values collected as text (``collect_list``, ``collect_set`` for
    DISTINCT), sorted by their keys when ordered; NULL when there are none, as in DuckDB."""
    window = node if isinstance(node, exp.Window) else None
    target = node.this if window is not None else node
    where = None
    if isinstance(target, exp.Filter):
        where = target.expression.this
        target = target.this
    if not isinstance(target, exp.GroupConcat) or (window is None and isinstance(node.parent, exp.Window | exp.Filter)):
        return node
    inner, keys = target.this, []
    if isinstance(inner, exp.Order):
        keys, inner = list(inner.expressions), inner.this
    distinct = isinstance(inner, exp.Distinct)
    value = inner.expressions[0] if distinct else inner
    for key in keys:
        if key.args.get("desc") or key.args.get("nulls_first"):
            raise UnsupportedConstruct(f"string_agg(... ORDER BY {key.sql('duckdb')}): only ascending, nulls last")
    if distinct and keys and any(key.this != value for key in keys):
        raise UnsupportedConstruct("string_agg(DISTINCT x ORDER BY y) with y other than x")
    text = exp.Cast(this=value.copy(), to=exp.DataType.build("STRING"))
    if keys:
        fields = [
            exp.PropertyEQ(this=exp.to_identifier(f"k{i}"), expression=key.this.copy()) for i, key in enumerate(keys)
        ]
        collected_value: exp.Expression = exp.Struct(
            expressions=[*fields, exp.PropertyEQ(this=exp.to_identifier("v"), expression=text)]
        )
    else:
        collected_value = text
    if where is not None:  # Spark has no FILTER inside a window: the rows left out collect NULL, which is skipped
        collected_value = exp.Case(ifs=[exp.If(this=where.copy(), true=collected_value)])
    collect = "collect_set" if distinct and not keys else "collect_list"
    collected: exp.Expression = _over(window, exp.Anonymous(this=collect, expressions=[collected_value]))
    if keys:
        if distinct:
            collected = exp.Anonymous(this="array_distinct", expressions=[collected])
        collected = exp.Anonymous(
            this="transform",
            expressions=[
                exp.Anonymous(this="array_sort", expressions=[collected]),
                _lambda(exp.Dot(this=exp.column("_item"), expression=exp.to_identifier("v")), "_item"),
            ],
        )
    separator = target.args.get("separator") or exp.Literal.string(",")
    joined = exp.Anonymous(this="array_join", expressions=[collected, separator.copy()])
    empty = exp.EQ(this=exp.ArraySize(this=collected.copy()), expression=exp.Literal.number(0))
    return exp.Paren(this=exp.Case(ifs=[exp.If(this=empty, true=exp.Null())], default=joined))


def _window_aggregates(node: exp.Expression, types: _Types) -> exp.Expression:
    """Spark 3.5 has no FILTER and no DISTINCT inside a window aggregate: ``agg(x) FILTER (WHERE c) OVER w`` is
    ``agg(CASE WHEN c THEN x END) OVER w`` (``count(*)`` counts ``CASE WHEN c THEN 1 END``), and
    ``count(DISTINCT x) OVER w`` is ``size(collect_set(x) OVER w)`` (NULLs skipped by both)."""
    if not isinstance(node, exp.Window):
        return node
    target = node.this
    if isinstance(target, exp.Filter):
        aggregate, condition = target.this, target.expression.this
        if not isinstance(aggregate, exp.AggFunc) or isinstance(aggregate, exp.GroupConcat):
            return node
        argument = aggregate.this
        if isinstance(argument, exp.Distinct) or aggregate.expressions:
            raise UnsupportedConstruct(f"{target.sql('duckdb')} inside a window")
        value = exp.Literal.number(1) if isinstance(argument, exp.Star) else argument.copy()
        aggregate = aggregate.copy()
        aggregate.set("this", exp.Case(ifs=[exp.If(this=condition.copy(), true=value)]))
        node.set("this", aggregate)
        target = aggregate
    if isinstance(target, exp.Count) and isinstance(target.this, exp.Distinct):
        values = target.this.expressions
        if len(values) != 1:
            raise UnsupportedConstruct("count(DISTINCT a, b) inside a window")
        return exp.ArraySize(this=_over(node, exp.Anonymous(this="collect_set", expressions=[values[0].copy()])))
    return node


def _scalar_subqueries(node: exp.Expression, types: _Types) -> exp.Expression:
    """A scalar subquery (``(SELECT t.name FROM team t WHERE t.id = a.team_id)``) gives its one row's value in DuckDB
    (NULL with none; more than one is an error); Spark refuses a correlated one unless it aggregates: its value is
    taken as ``any_value`` of its rows, the same for no row or one."""
    if not isinstance(node, exp.Subquery) or node.args.get("alias") is not None:
        return node
    if isinstance(node.parent, exp.From | exp.Join | exp.In | exp.Exists | exp.Table | exp.SetOperation):
        return node
    select = node.this
    if not isinstance(select, exp.Select) or len(select.expressions) != 1:
        return node
    if any(select.args.get(part) is not None for part in ("group", "having", "limit", "distinct", "qualify")):
        return node
    projection = select.expressions[0]
    value = projection.this if isinstance(projection, exp.Alias) else projection
    if isinstance(value, exp.Star) or value.find(exp.AggFunc, exp.Window) is not None:
        return node
    aggregated = exp.AnyValue(this=value.copy())
    if value is projection:
        select.set("expressions", [aggregated])
    else:
        value.replace(aggregated)
    return node


def _weekday(node: exp.Expression, types: _Types) -> exp.Expression:
    """DuckDB's ``dayofweek`` counts Sunday 0 to Saturday 6, Spark's Sunday 1 to Saturday 7."""
    if isinstance(node, exp.DayOfWeek):
        day = exp.Anonymous(this="dayofweek", expressions=[node.this.copy()])
        return exp.Paren(this=exp.Sub(this=day, expression=exp.Literal.number(1)))
    return node


SPARK_REWRITES: tuple[Callable[[exp.Expression, _Types], exp.Expression], ...] = (
    _series_tables,
    _lateral_aliases,
    _qualify_star,
    _date_difference,
    _string_agg,
    _window_aggregates,
    _weekday,
    _list_index,
    _list_length,
    _iso_weekday,
    _arg_extreme,
    _ordered_list,
    _scalar_subqueries,
    _any_value,
    _lists,
    _division,
    _functions,
)

# DuckDB functions SQLGlot passes through that Spark does not have (checked after the rewrites)
_SPARK_FUNCTIONS = {
    "aggregate",
    "make_ym_interval",
    "any_value",
    "datediff",
    "element_at",
    "dayofweek",
    "max_by",
    "min_by",
    "collect_list",
    "array_distinct",
    "array_sort",
    "transform",
    "try_to_timestamp",
    "array_position",
    "make_dt_interval",
    "split_part",
    "sequence",
    "range",
    "array_join",
    "collect_set",
}


def _check_functions(tree: exp.Expression, source: str) -> None:
    unknown = sorted({node.name for node in tree.find_all(exp.Anonymous) if node.name.lower() not in _SPARK_FUNCTIONS})
    if unknown:
        raise UnsupportedConstruct(f"spark cannot run {source}: no Spark function {', '.join(unknown)}")


def _rewrite(
    tree: exp.Expression, date_columns: Iterable[str], columns: Mapping[str, Sequence[str]] | None, source: str
) -> exp.Expression:
    types = _Types(tree, date_columns, columns)
    for rewrite in SPARK_REWRITES:
        try:
            tree = tree.transform(lambda node, rewrite=rewrite: rewrite(node, types), copy=False)
        except UnsupportedConstruct as error:
            raise UnsupportedConstruct(f"spark cannot run {source}: {error}") from None
    _check_functions(tree, source)
    return tree


def output_columns(sql: str, columns: Mapping[str, Sequence[str]] | None = None) -> list[str] | None:
    """The names of the columns a query in DuckDB's dialect gives, worked out from the SQL and the columns of the
    tables it reads (``columns``), without running it; None when they cannot be."""
    try:
        tree = sqlglot.parse_one(sql, read="duckdb")
    except SqlglotError:
        return None
    return _query_columns(tree, _Types(tree, (), columns))


@functools.cache
def _spark_dialect() -> type:
    """SQLGlot's Spark dialect, leaving CTEs where they are written: Spark 3 reads a WITH inside a subquery (SQLGlot
    moves them all to the top, where two of one name, in a fact and in the history rules it reads, would clash)."""
    from sqlglot.dialects.spark import Spark

    class ChildhubSpark(Spark):
        class Generator(Spark.Generator):
            EXPRESSIONS_WITHOUT_NESTED_CTES: set = set()

    return ChildhubSpark


def translate(
    sql: str,
    engine: str,
    macros: Macros | None = None,
    *,
    params: Sequence[Any] | Mapping[str, Any] | None = None,
    date_columns: Iterable[str] = (),
    columns: Mapping[str, Sequence[str]] | None = None,
    source: str = "the SQL",
) -> str:
    """``sql`` (one statement in DuckDB's dialect) as ``engine`` runs it: for DuckDB, as written (its macros live on
    the connection, parameters are bound by it); for Spark, parameters bound as literals, ``macros`` expanded and
    the constructs Spark lacks rewritten. ``date_columns``: the names of the date columns of the tables it reads
    (``date - date`` is a number of days in DuckDB, an interval in Spark); ``columns``: each table's column names
    (a ``SELECT *`` beside a QUALIFY is written out). ``source`` names the definition (a file) in errors.

    Raises ``UnsupportedConstruct`` (naming the engine, ``source`` and the construct) when it cannot.
    """
    if engine == "duckdb":
        return sql
    if engine != "spark":
        raise EngineError(f"there is no engine {engine!r}; the engines are duckdb and spark")
    try:
        statements = sqlglot.parse(sql, read="duckdb")
    except SqlglotError as error:
        raise UnsupportedConstruct(
            f"spark cannot run {source}: it could not be parsed ({str(error).splitlines()[0]})"
        ) from None
    statements = [statement for statement in statements if statement is not None]
    if len(statements) != 1:
        raise EngineError(f"{source}: one statement expected, found {len(statements)}")
    tree = _bind(_positions_as_written(statements[0]), params, source)
    if macros is not None and len(macros):
        tree = _expand_macros(tree, macros, source)
    try:
        tree = _tables_by_name(tree)
    except UnsupportedConstruct as error:
        raise UnsupportedConstruct(f"spark cannot run {source}: {error}") from None
    tree = _rewrite(tree, date_columns, columns, source)
    try:
        return tree.sql(dialect=_spark_dialect(), unsupported_level=sqlglot.ErrorLevel.RAISE)
    except SqlglotError as error:
        raise UnsupportedConstruct(f"spark cannot run {source}: {str(error).splitlines()[0]}") from None

"""`charter plan`: print the query plan of an operation, readably or as JSON."""

from __future__ import annotations

import argparse
import sys

import orjson

from gateway.errors import RequestError
from gateway.operation import coerce_variables, select_operation
from gateway.plan.printing import format_plan
from gateway.plan.serialize import plan_to_json
from gateway.planner.errors import PlanningError
from gateway.state import build_state
from gateway.supergraph.join import SupergraphError
from gateway.supergraph.loader import read_source


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--supergraph", required=True, help="supergraph SDL file or URL")
    parser.add_argument("--query", required=True, help="file with the operation ('-' for stdin)")
    parser.add_argument("--operation-name", default=None)
    parser.add_argument("--variables", default=None, help="JSON object (for @skip/@include)")
    parser.add_argument("--json", action="store_true", help="print the plan as JSON")
    parser.add_argument("--label", action="append", default=[], help="progressive override label to enable")


def run(args: argparse.Namespace) -> int:
    try:
        state = build_state(read_source(args.supergraph))
        text = sys.stdin.read() if args.query == "-" else open(args.query).read()  # noqa: SIM115
        prepared = state.documents.get(text)
        if prepared.errors:
            for e in prepared.errors:
                print(f"charter plan: {e.message}", file=sys.stderr)
            return 1
        operation = select_operation(prepared, args.operation_name)
        variables = coerce_variables(state.api_schema, operation, orjson.loads(args.variables) if args.variables else None)
        # The plan an anonymous request gets from the gateway.
        anonymous = state.access.anonymous if state.access.fields else None
        plan = state.planner.plan(prepared, args.operation_name, variables, frozenset(args.label), anonymous)
        assert plan is not None  # no demand control here: every operation is planned
    except (SupergraphError, PlanningError, OSError, orjson.JSONDecodeError) as e:
        print(f"charter plan: {e}", file=sys.stderr)
        return 1
    except RequestError as e:
        for err in e.errors:
            print(f"charter plan: {err['message']}", file=sys.stderr)
        return 1
    if args.json:
        sys.stdout.write(orjson.dumps(plan_to_json(plan), option=orjson.OPT_INDENT_2).decode() + "\n")
    else:
        print(format_plan(plan))
    return 0

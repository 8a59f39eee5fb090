"""Generate the hand-written part of the corpus: `python -m tests.composition.make_corpus`.

Each case becomes `corpus/<case>/` with one `.graphql` per subgraph and a Rover `supergraph.yaml`.
Cases named `error-*` are ones Apollo refuses. Afterwards run `python -m tests.composition.pin`.
"""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

ROOT = Path(__file__).parent / "corpus"
STD = ["key", "shareable", "external", "requires", "provides", "override", "inaccessible", "tag"]


def F(version: str, imports: list[str]) -> str:
    listed = ", ".join(f'"@{i}"' for i in imports)
    return f'extend schema @link(url: "https://specs.apollo.dev/federation/v{version}", import: [{listed}])\n'


def F2() -> str:
    return F("2.3", [*STD, "interfaceObject"])


cases: dict[str, dict[str, str]] = {}


def case(name: str, **subs: str) -> None:
    cases[name] = {k: textwrap.dedent(v).strip() + "\n" for k, v in subs.items()}


# --- the benchmark (Federation 1) ---
case(
    "bench-fed1",
    accounts="""
type Query { me: User user(id: ID!): User users: [User] }
type User @key(fields: "id") { id: ID! name: String username: String birthday: Int }
""",
    products="""
type Query { topProducts(first: Int = 5): [Product] }
type Product @key(fields: "upc") { upc: String! name: String price: Int weight: Int }
""",
    inventory="""
extend type Product @key(fields: "upc") {
  upc: String! @external
  weight: Int @external
  price: Int @external
  inStock: Boolean
  shippingEstimate: Int @requires(fields: "price weight")
}
""",
    reviews="""
type Review @key(fields: "id") { id: ID! body: String product: Product author: User @provides(fields: "username") }
extend type User @key(fields: "id") { id: ID! @external username: String @external reviews: [Review] }
extend type Product @key(fields: "upc") { upc: String! @external reviews: [Review] }
""",
)

case(
    "entities-basic",
    a=F2()
    + """type Query { products: [Product] }
type Product @key(fields: "id") { id: ID! name: String }""",
    b=F2() + """type Product @key(fields: "id") { id: ID! price: Float }""",
)

case(
    "shareable-value-types",
    a=F2()
    + """type Query { a: Money }
type Money @shareable { amount: Int currency: String }""",
    b=F2()
    + """type Query { b: Money }
type Money @shareable { amount: Int currency: String }""",
)

case(
    "shareable-fields",
    a=F2()
    + """type Query { t: T }
type T @key(fields: "id") { id: ID! name: String @shareable other: Int }""",
    b=F2() + """type T @key(fields: "id") { id: ID! name: String @shareable }""",
)

case(
    "requires-external",
    a=F2()
    + """type Query { items: [Item] }
type Item @key(fields: "id") { id: ID! weight: Int size: Int }""",
    b=F2()
    + """type Item @key(fields: "id") { id: ID! weight: Int @external size: Int @external shipping: Int @requires(fields: "weight size") }""",
)

case(
    "provides",
    a=F2()
    + """type Query { reviews: [Review] }
type Review @key(fields: "id") { id: ID! author: User @provides(fields: "name") }
type User @key(fields: "id") { id: ID! name: String @external }""",
    b=F2()
    + """type Query { users: [User] }
type User @key(fields: "id") { id: ID! name: String @shareable email: String }""",
)

case(
    "override",
    a=F2()
    + """type Query { t: T }
type T @key(fields: "id") { id: ID! moved: String @override(from: "b") }""",
    b=F2() + """type T @key(fields: "id") { id: ID! moved: String stays: Int }""",
)

case(
    "override-label",
    a=F("2.7", STD)
    + """type Query { t: T }
type T @key(fields: "id") { id: ID! moved: String @override(from: "b", label: "percent(25)") }""",
    b=F("2.7", STD) + """type T @key(fields: "id") { id: ID! moved: String stays: Int }""",
)

case(
    "override-used-overridden",
    a=F2()
    + """type Query { t: T }
type T @key(fields: "id") { id: ID! total: Int @override(from: "b") }""",
    b=F2()
    + """interface HasTotal { total: Int }
type T implements HasTotal @key(fields: "id") { id: ID! total: Int }""",
)

case(
    "key-resolvable-false",
    a=F2()
    + """type Query { posts: [Post] }
type Post { id: ID! author: User }
type User @key(fields: "id", resolvable: false) { id: ID! }""",
    b=F2()
    + """type Query { user(id: ID!): User }
type User @key(fields: "id") { id: ID! name: String }""",
)

case(
    "compound-and-multiple-keys",
    a=F2()
    + """type Query { a: Account }
type Account @key(fields: "id") @key(fields: "org { id } number") { id: ID! number: Int! org: Org! }
type Org @shareable { id: ID! }""",
    b=F2()
    + """type Account @key(fields: "org { id } number") { number: Int! org: Org! balance: Float }
type Org @shareable { id: ID! }""",
)

case(
    "inaccessible",
    a=F2()
    + """type Query { t: T secret: String @inaccessible }
type T @key(fields: "id") { id: ID! internal: Int @inaccessible }
enum Color { RED GREEN @inaccessible }
input Filter { color: Color hidden: Int @inaccessible }
type Query2 { x: Int }""",
    b=F2()
    + """type Query { f(filter: Filter): Color }
input Filter { color: Color }
enum Color { RED }""",
)

case(
    "tag",
    a=F2()
    + """type Query { t: T @tag(name: "public") }
type T @key(fields: "id") @tag(name: "entity") { id: ID! @tag(name: "pk") x(arg: Int @tag(name: "a")): Int }""",
    b=F2()
    + """type T @key(fields: "id") @tag(name: "entity") @tag(name: "b") { id: ID! y: Int @tag(name: "public") }""",
)

case(
    "interface-object",
    a=F2()
    + """type Query { media: [Media] }
interface Media @key(fields: "id") { id: ID! title: String }
type Book implements Media @key(fields: "id") { id: ID! title: String pages: Int }
type Movie implements Media @key(fields: "id") { id: ID! title: String minutes: Int }""",
    b=F2() + """type Media @key(fields: "id") @interfaceObject { id: ID! reviews: [String] }""",
)

case(
    "compose-directive",
    a=F("2.3", ["key", "composeDirective"])
    + """extend schema @link(url: "https://myspecs.dev/lowercase/v1.0", import: ["@lowercase"]) @composeDirective(name: "@lowercase")
directive @lowercase on FIELD_DEFINITION
type Query { name: String @lowercase }""",
    b=F("2.3", ["key", "composeDirective"])
    + """extend schema @link(url: "https://myspecs.dev/lowercase/v1.0", import: ["@lowercase"]) @composeDirective(name: "@lowercase")
directive @lowercase on FIELD_DEFINITION
type Query { other: String @lowercase }""",
)

case(
    "access-control",
    a=F("2.6", ["key", "shareable", "authenticated", "requiresScopes", "policy"])
    + """type Query { me: User @authenticated admin: String @requiresScopes(scopes: [["admin"], ["root"]]) }
type User @key(fields: "id") { id: ID! email: String @shareable @requiresScopes(scopes: [["read:email"]]) @policy(policies: [["p1"]]) }""",
    b=F("2.6", ["key", "shareable", "authenticated", "requiresScopes", "policy"])
    + """type User @key(fields: "id") { id: ID! email: String @shareable @requiresScopes(scopes: [["read:user"]]) @policy(policies: [["p2"]]) ssn: String @authenticated }""",
)

case(
    "cost-list-size",
    a=F("2.9", ["key", "shareable", "cost", "listSize"])
    + """type Query { items(first: Int): [Item] @listSize(slicingArguments: ["first"], assumedSize: 10) @shareable }
type Item @key(fields: "id") @cost(weight: 2) { id: ID! price: Int @cost(weight: 3) @shareable }""",
    b=F("2.9", ["key", "shareable", "cost", "listSize"])
    + """type Query { items(first: Int): [Item] @listSize(assumedSize: 50) @shareable }
type Item @key(fields: "id") { id: ID! price: Int @cost(weight: 7) @shareable }""",
)

case(
    "fed1-implicit-sharing",
    a="""type Query { a: Point }
type Point { x: Int y: Int }
type Thing @key(fields: "id") { id: ID! name: String }""",
    b="""type Query { b: Point }
type Point { x: Int y: Int }
extend type Thing @key(fields: "id") { id: ID! @external name: String extra: Int }""",
)

case(
    "mixed-fed1-fed2",
    a="""type Query { a: Product }
type Product @key(fields: "id") { id: ID! name: String }""",
    b=F2()
    + """type Query { b: Product }
type Product @key(fields: "id") { id: ID! price: Int }""",
)

case(
    "input-intersection",
    a=F2()
    + """type Query { search(q: SearchInput): [String] }
input SearchInput { text: String! limit: Int = 10 onlyA: Boolean }""",
    b=F2()
    + """type Query { find(q: SearchInput): [String] }
input SearchInput { text: String! limit: Int = 10 }""",
)

case(
    "enum-output-union",
    a=F2()
    + """type Query { a: Status }
enum Status { ACTIVE INACTIVE }""",
    b=F2()
    + """type Query { b: Status }
enum Status { ACTIVE ARCHIVED }""",
)

case(
    "enum-input-intersection",
    a=F2()
    + """type Query { a(s: Status): Int }
enum Status { ACTIVE INACTIVE }""",
    b=F2()
    + """type Query { b(s: Status): Int }
enum Status { ACTIVE ARCHIVED }""",
)

case(
    "union-members",
    a=F2()
    + """type Query { search: [Result] }
union Result = Book | Author
type Book @shareable { title: String }
type Author { name: String }""",
    b=F2()
    + """type Query { lookup: [Result] }
union Result = Book | Film
type Book { title: String @shareable }
type Film { name: String }""",
)

case(
    "interfaces-implements",
    a=F2()
    + """type Query { nodes: [Node] }
interface Node { id: ID! }
type User implements Node @key(fields: "id") { id: ID! name: String }""",
    b=F2()
    + """interface Node { id: ID! }
type User implements Node @key(fields: "id") { id: ID! age: Int }
type Group implements Node @key(fields: "id") { id: ID! }
type Query { groups: [Group] }""",
)

case(
    "field-type-subtyping",
    a=F2()
    + """type Query { t: T }
type T @key(fields: "id") { id: ID! name: String! @shareable tags: [String!] @shareable }""",
    b=F2()
    + """type T @key(fields: "id") { id: ID! name: String @shareable tags: [String] @shareable }""",
)

case(
    "arguments-merge",
    a=F2()
    + """type Query { list(first: Int = 10, after: String, filter: String): [String] @shareable f(x: Int!): Int @shareable }""",
    b=F2()
    + """type Query { list(first: Int = 10, after: String): [String] @shareable f(x: Int): Int @shareable }""",
)

case(
    "descriptions",
    a=F2()
    + '''"The root" type Query { "a field" a: T }
"""
A thing
"""
type T @key(fields: "id") { "the id" id: ID! }''',
    b=F2()
    + '''"""A thing""" type T @key(fields: "id") { id: ID! "b's field" b(
"an arg" x: Int): Int }''',
)

case(
    "mutation-subscription",
    a=F2()
    + """type Query { a: Int }
type Mutation { createA(v: Int!): Int }
type Subscription { onA: Int }""",
    b=F2()
    + """type Query { b: Int }
type Mutation { createB: Boolean }""",
)

case(
    "renamed-imports",
    a="""extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: [{name: "@key", as: "@primaryKey"}, "@shareable"])
type Query { t: T }
type T @primaryKey(fields: "id") { id: ID! name: String @shareable }""",
    b="""extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", as: "fed")
type T @fed__key(fields: "id") { id: ID! name: String @fed__shareable }""",
)

case(
    "fed-2-0-join-v0-3",
    a=F("2.0", ["key", "shareable"])
    + """type Query { t: T }
type T @key(fields: "id") { id: ID! a: Int }""",
    b=F("2.0", ["key"]) + """type T @key(fields: "id") { id: ID! b: Int }""",
)

case(
    "entity-interface",
    a=F2()
    + """type Query { animals: [Animal] }
interface Animal @key(fields: "id") { id: ID! name: String }
type Dog implements Animal @key(fields: "id") { id: ID! name: String }
type Cat implements Animal @key(fields: "id") { id: ID! name: String }""",
    b=F2()
    + """type Animal @key(fields: "id") @interfaceObject { id: ID! age: Int }
type Query { oldest: Animal }""",
)

case(
    "deprecated-and-executable",
    a=F2()
    + """directive @log(level: Int) on FIELD | QUERY
type Query { old: String @deprecated(reason: "use new") new: String }""",
    b=F2()
    + """directive @log(level: Int) on FIELD
type Query { other: String }""",
)

case(
    "renamed-root",
    a=F2()
    + """schema { query: RootQuery }
type RootQuery { a: Int }""",
    b=F2() + """type Query { b: Int }""",
)

case(
    "extend-type-fed2",
    a=F2()
    + """type Query { t: T }
type T @key(fields: "id") { id: ID! }""",
    b=F2() + """extend type T @key(fields: "id") { id: ID! extra: String }""",
)

# --- modelled on behaviours the engine's own tests pin (written anew here) ---
case(
    "engine-fed1-extension-first",
    a="""extend type Item @key(fields: "code") { code: String! @external cost: Int! }""",
    b="""type Query { items: [Item!] } type Item @key(fields: "code") { code: String! label: String! }""",
)
case(
    "engine-fed1-several-extensions",
    a="""extend type Item @key(fields: "code") { code: String! cost: Int! }""",
    b="""type Query { items: [Item!] } type Item { code: String! label: String! }""",
    c="""extend type Item @key(fields: "code") { code: String! colour: String! }""",
)
case(
    "engine-fed1-provides",
    a="""type Query { first: Box } type Box @key(fields: "id") { id: ID! size: Int }""",
    b="""type Query { second: Box @provides(fields: "size") } extend type Box @key(fields: "id") { id: ID! @external size: Int @external }""",
)
case(
    "engine-mixed-provides-in-fed2",
    a="""type Query { first: Box } type Box @key(fields: "id") { id: ID! size: Int }""",
    b=F("2.0", ["key", "provides", "external"])
    + """type Query { second: Box @provides(fields: "size") } type Box @key(fields: "id") { id: ID! size: Int @external }""",
)
case(
    "engine-mixed-provides-in-fed1",
    a=F("2.0", ["key", "shareable"])
    + """type Query { first: Box } type Box @key(fields: "id") { id: ID! size: Int @shareable }""",
    b="""type Query { second: Box @provides(fields: "size") } extend type Box @key(fields: "id") { id: ID! @external size: Int @external }""",
)
case(
    "engine-fed1-declares-shareable",
    a="""type Query { ripe: Fruit! } directive @shareable on OBJECT | FIELD_DEFINITION type Fruit @shareable { id: ID! name: String! }""",
    b="""type Query { rotten: Fruit! } directive @shareable on OBJECT | FIELD_DEFINITION type Fruit @shareable { id: ID! name: String! }""",
)
case(
    "engine-fed1-declares-override",
    a="""type Query { box: Box } type Box @key(fields: "id") { id: ID! size: Int }""",
    b="""type Box @key(fields: "id") { id: ID! size: Int @override(from: "a") } directive @override(from: String!) on FIELD_DEFINITION""",
)
case(
    "engine-override-field-in-provides",
    a=F2()
    + """type Query { t: T } type T @key(fields: "k") { k: ID a: A @shareable }
type A @key(fields: "id") { id: ID! b: B @override(from: "b") } type B @key(fields: "id") { id: ID! v: String @shareable }""",
    b=F2()
    + """type T @key(fields: "k") { k: ID a: A @shareable @provides(fields: "b { v }") }
type A @key(fields: "id") { id: ID! b: B } type B @key(fields: "id") { id: ID! v: String @external }""",
)
case(
    "engine-override-field-in-requires",
    a=F2()
    + """type Query { t: T } type T @key(fields: "k") { k: ID a: A @shareable }
type A @key(fields: "id") { id: ID! b: B @override(from: "b") } type B @key(fields: "id") { id: ID! v: String @shareable }""",
    b=F2()
    + """type T @key(fields: "k") { k: ID a: A @shareable x: Int @requires(fields: "a { b { v } }") }
type A @key(fields: "id") { id: ID! b: B } type B @key(fields: "id") { id: ID! v: String @external }""",
)
case(
    "engine-override-key-field",
    a=F2()
    + """type Query { t: T } type T @key(fields: "k") { k: ID @override(from: "b") a: Int }""",
    b=F2() + """type T @key(fields: "k") { k: ID b: Int }""",
)
case(
    "engine-override-nested-key-field",
    a=F2()
    + """type Query { t: T } type T @key(fields: "e { k }") { e: E } type E { k: ID @override(from: "b") a: Int }""",
    b=F2() + """type T @key(fields: "e { k }") { e: E x: Int } type E { k: ID b: Int }""",
)
case(
    "engine-override-unknown-source",
    a=F2()
    + """type Query { t: T } type T @key(fields: "k") { k: ID a: Int @override(from: "nowhere") }""",
    b=F2() + """type T @key(fields: "k") { k: ID b: Int }""",
)
case(
    "engine-external-on-type",
    a=F2() + """type Query { t: T } type T @key(fields: "id") { id: ID! x: Int y: Int }""",
    b=F2()
    + """type T @key(fields: "id") { id: ID! z: Int @requires(fields: "x y") } type T @external { x: Int y: Int }""",
)
case(
    "engine-shareable-on-extension-only",
    a=F2() + """type Query { t: T } type T { a: Int } extend type T @shareable { b: Int }""",
    b=F2() + """type Query { u: T } type T @shareable { b: Int }""",
)
case(
    "engine-sanitized-graph-names",
    **{
        "my-subgraph": F2() + """type Query { a: Int }""",
        "1st": F2() + """type Query { b: Int }""",
        "My_Subgraph": F2() + """type Query { c: Int }""",
    },
)
case(
    "engine-interface-value-type-fields",
    a=F2()
    + """type Query { i: I } interface I { a: Int } type X implements I @shareable { a: Int }""",
    b=F2()
    + """type Query { j: I } interface I { a: Int b: Int } type X implements I @shareable { a: Int b: Int }""",
)
case(
    "engine-union-to-interface-subtyping",
    a=F2()
    + """type Query { u: U @shareable } union U = A | B type A @shareable { a: Int } type B @shareable { b: Int }""",
    b=F2() + """type Query { u: A @shareable } type A @shareable { a: Int }""",
)
case(
    "engine-input-and-argument-defaults",
    a=F2()
    + """type Query { f(x: In = {a: 1}, y: [Int] = [1, 2]): Int @shareable } input In { a: Int = 1 b: String }""",
    b=F2()
    + """type Query { f(x: In = {a: 1}, y: [Int] = [1, 2]): Int @shareable } input In { a: Int = 1 b: String }""",
)
case(
    "engine-enum-descriptions-deprecations",
    a=F2() + """type Query { e: E } "An enum" enum E { "first" A B @deprecated(reason: "no") }""",
    b=F2() + """type Query { f: E } enum E { A B @deprecated(reason: "no") C }""",
)
case(
    "engine-scalars-specified-by",
    a=F2() + """type Query { d: Date } scalar Date @specifiedBy(url: "https://example.com/date")""",
    b=F2() + """type Query { e: Date } "A date" scalar Date""",
)
case(
    "engine-requires-with-arguments",
    a=F2()
    + """type Query { t: T } type T @key(fields: "id") { id: ID! price(currency: String): Int }""",
    b=F2()
    + """type T @key(fields: "id") { id: ID! price(currency: String): Int @external tax: Int @requires(fields: "price(currency: \\"EUR\\")") }""",
)
case(
    "engine-provides-on-interface",
    a=F2()
    + """type Query { ps: [P] @provides(fields: "name") } interface P { id: ID! name: String } type Q implements P @key(fields: "id") { id: ID! name: String @external }""",
    b=F2()
    + """interface P { id: ID! name: String } type Q implements P @key(fields: "id") { id: ID! name: String @shareable }""",
)
case(
    "engine-subscription",
    a=F2() + """type Query { a: Int } type Subscription { tick: Int }""",
    b=F2() + """type Query { b: Int } type Subscription { tock: Int }""",
)
case(
    "error-engine-multiple-override",
    a=F2()
    + """type Query { t: T } type T @key(fields: "k") { k: ID a: Int @override(from: "b") }""",
    b=F2() + """type T @key(fields: "k") { k: ID a: Int @override(from: "a") }""",
)
case(
    "error-engine-override-type-change",
    a=F2()
    + """type Query { t: T } type T @key(fields: "k") { k: ID a: Int @override(from: "b") }""",
    b=F2() + """type T @key(fields: "k") { k: ID a: String }""",
)
case(
    "error-engine-mixed-nonshared-provides",
    a=F("2.0", ["key"])
    + """type Query { first: Box } type Box @key(fields: "id") { id: ID! size: Int }""",
    b="""type Query { second: Box @provides(fields: "size") } extend type Box @key(fields: "id") { id: ID! @external size: Int @external }""",
)
case(
    "error-fed1-override-undeclared",
    a="""type Query { box: Box } type Box @key(fields: "id") { id: ID! size: Int }""",
    b="""type Box @key(fields: "id") { id: ID! size: Int @override(from: "a") }""",
)
case(
    "error-fed1-override-bad-declaration",
    a="""type Query { box: Box } type Box @key(fields: "id") { id: ID! size: Int }""",
    b="""type Box @key(fields: "id") { id: ID! size: Int @override } directive @override on FIELD_DEFINITION""",
)
case(
    "error-fed1-kind-mismatch-three",
    a="""type Query { a: A } scalar A""",
    b="""type A @key(fields: "f") { f: String }""",
    c="""extend type A @key(fields: "f") { f: String }""",
)
case(
    "error-interface-field-no-implementation",
    a=F2()
    + """type Query { i: I } interface I { a: Int } type X implements I @key(fields: "a") { a: Int }""",
    b=F2()
    + """interface I { a: Int b: Int } type Y implements I { a: Int b: Int } type Query { y: Y }""",
)
case(
    "error-argument-default-mismatch",
    a=F2() + """type Query { f(x: Int = 1): Int @shareable }""",
    b=F2() + """type Query { f(x: Int = 2): Int @shareable }""",
)
case(
    "error-interface-object-without-interface",
    a=F2() + """type Query { m: M } type M @key(fields: "id") @interfaceObject { id: ID! }""",
)
case(
    "error-interface-key-missing-implementation",
    a=F2()
    + """type Query { i: I } interface I @key(fields: "id") { id: ID! } type A implements I @key(fields: "id") { id: ID! }""",
    b=F2()
    + """interface I { id: ID! } type B implements I @key(fields: "id") { id: ID! } type Query { b: B }""",
)

# --- satisfiability: can every supergraph query be planned? ---
case(
    "sat-key-jump",
    a=F2()
    + """type Query { orders: [Order] } type Order @key(fields: "id") { id: ID! buyer: User } type User @key(fields: "id", resolvable: false) { id: ID! }""",
    b=F2() + """type User @key(fields: "id") { id: ID! name: String }""",
)
case(
    "sat-chain-jump",
    a=F2() + """type Query { p: Product } type Product @key(fields: "id") { id: ID! }""",
    b=F2() + """type Product @key(fields: "id") @key(fields: "sku") { id: ID! sku: String! }""",
    c=F2() + """type Product @key(fields: "sku") { sku: String! stock: Int }""",
)
case(
    "sat-provides-path",
    a=F2()
    + """type Query { feed: [Post] @provides(fields: "author { handle }") } type Post @shareable { author: Author } type Author @key(fields: "id", resolvable: false) { id: ID! handle: String @external }""",
    b=F2() + """type Author @key(fields: "id") { id: ID! handle: String }""",
)
case(
    "sat-interface-implementations",
    a=F2()
    + """type Query { shapes: [Shape] } interface Shape { area: Float } type Circle implements Shape @key(fields: "id") { id: ID! area: Float } type Square implements Shape @key(fields: "id") { id: ID! area: Float }""",
    b=F2()
    + """type Circle @key(fields: "id") { id: ID! radius: Float } type Square @key(fields: "id") { id: ID! side: Float }""",
)
case(
    "sat-union-members-in-different-subgraphs",
    a=F2()
    + """type Query { search: [Hit] } union Hit = Doc | Img type Doc @key(fields: "id") { id: ID! } type Img @key(fields: "id") { id: ID! }""",
    b=F2()
    + """type Doc @key(fields: "id") { id: ID! text: String } type Img @key(fields: "id") { id: ID! url: String }""",
)
case(
    "sat-mutation-returns-entity",
    a=F2()
    + """type Query { a: Int } type Mutation { createThing: Thing } type Thing @key(fields: "id") { id: ID! }""",
    b=F2() + """type Thing @key(fields: "id") { id: ID! details: String }""",
)
case(
    "error-sat-value-type-extra-field",
    a=F2() + """type Query { a: Point } type Point @shareable { x: Int y: Int z: Int }""",
    b=F2() + """type Query { b: Point } type Point @shareable { x: Int y: Int }""",
)
case(
    "error-sat-no-resolvable-key",
    a=F2()
    + """type Query { posts: [Post] } type Post @key(fields: "id") { id: ID! author: User } type User @key(fields: "id", resolvable: false) { id: ID! }""",
    b=F2()
    + """type Query { me: User } type User @key(fields: "id", resolvable: false) { id: ID! name: String }""",
)
case(
    "error-sat-key-field-missing-in-source",
    a=F2() + """type Query { p: Product } type Product @key(fields: "id") { id: ID! }""",
    b=F2() + """type Product @key(fields: "sku") { sku: String! stock: Int }""",
)

# --- access control reaching interfaces, inaccessible rules, root naming ---
case(
    "access-control-interfaces",
    a=F("2.6", ["key", "authenticated", "requiresScopes", "policy"])
    + """type Query { items: [Item] } interface Item { id: ID! secret: String }
type Book implements Item @key(fields: "id") @authenticated { id: ID! secret: String @requiresScopes(scopes: [["books"]]) }
type Film implements Item @key(fields: "id") { id: ID! secret: String @requiresScopes(scopes: [["films"]]) @policy(policies: [["p"]]) }""",
    b=F("2.6", ["key", "shareable"]) + """type Book @key(fields: "id") { id: ID! pages: Int }""",
)
case(
    "access-control-interface-object",
    a=F("2.6", ["key", "interfaceObject", "authenticated"])
    + """type Query { a: Int } type Media @key(fields: "id") @interfaceObject { id: ID! rating: Int @authenticated }""",
    b=F("2.6", ["key"])
    + """type Query { media: [Media] } interface Media @key(fields: "id") { id: ID! } type Song implements Media @key(fields: "id") { id: ID! }""",
)
case(
    "error-referenced-inaccessible",
    a=F2() + """type Query { t: T } type T @inaccessible { a: Int }""",
)
case(
    "error-only-inaccessible-children",
    a=F2() + """type Query { t: T } type T { a: Int @inaccessible }""",
)
case(
    "error-required-inaccessible-argument",
    a=F2() + """type Query { f(x: Int! @inaccessible): Int }""",
)
case(
    "error-root-type-used",
    a=F2() + """schema { query: RootQuery } type RootQuery { a: Int } type Query { b: Int }""",
)
case(
    "error-shareable-subscription",
    a=F2() + """type Query { a: Int } type Subscription { tick: Int @shareable }""",
    b=F2() + """type Query { b: Int } type Subscription { tick: Int @shareable }""",
)

# --- found by differential fuzzing against Apollo ---
case(
    "fed1-requires-partially-inactive",
    a="""type Query { top: [Product] } type Product @key(fields: "upc") { upc: String! price: Int weight: Int }""",
    b="""extend type Product @key(fields: "upc") { upc: String! @external price: Int @external weight: Int estimate: Int @requires(fields: "price weight") }""",
)
case(
    "executable-directive-arguments",
    a=F2()
    + """directive @trace(level: Int @tag(name: "t"), extra: String) on FIELD | QUERY type Query { a: Int }""",
    b=F2() + """directive @trace(level: Int!) on FIELD type Query { b: Int }""",
)
case(
    "error-shareable-on-interface-field",
    a=F2()
    + """type Query { n: Node } interface Node { id: ID! @shareable } type User implements Node { id: ID! }""",
)
case("error-shareable-twice-on-field", a=F2() + """type Query { a: Int @shareable @shareable }""")
case(
    "error-external-twice-fed-2-0",
    a=F("2.0", ["key", "external", "requires"])
    + """type Query { t: T } type T @key(fields: "id") { id: ID! x: Int @external @external y: Int @requires(fields: "x") }""",
    b=F("2.0", ["key"]) + """type T @key(fields: "id") { id: ID! x: Int }""",
)
case(
    "error-directive-on-wrong-location",
    a=F2() + """type Query { f(x: Int @override(from: "b")): Int }""",
)
case(
    "error-merged-directive-on-external",
    a=F2()
    + """type Query { t: T } type T @key(fields: "id") { id: ID! x: Int @external @tag(name: "t") y: Int @requires(fields: "x") }""",
    b=F2() + """type T @key(fields: "id") { id: ID! x: Int }""",
)
case(
    "error-external-on-interface-field",
    a=F2()
    + """type Query { n: Node } interface Node { id: ID! @external } type User implements Node { id: ID! }""",
)
case(
    "error-provides-on-external-field",
    a=F2()
    + """type Query { t: T @external @provides(fields: "id") } type T @key(fields: "id") { id: ID! }""",
)
case(
    "error-implementation-not-a-subtype",
    a=F2()
    + """type Query { n: Node } interface Node { id: ID! } type User implements Node { id: ID }""",
)
case(
    "error-merged-implementation-not-a-subtype",
    a=F2()
    + """type Query { n: Node } interface Node { id: ID! } type User implements Node @key(fields: "id") { id: ID! }""",
    b=F2() + """interface Node { id: ID! } type User @key(fields: "id") { id: ID }""",
)
case(
    "error-implemented-by-inaccessible",
    a=F2()
    + """type Query { n: Node } interface Node { id: ID! name: String } type User implements Node { id: ID! name: String @inaccessible }""",
)
case(
    "error-interface-key-not-on-implementation",
    a=F2()
    + """type Query { n: Node } interface Node @key(fields: "id") { id: ID! } type User implements Node { id: ID! }""",
)
case(
    "error-requires-through-overridden-key",
    a=F2()
    + """type Query { items: [Item] } type Item @key(fields: "id") { id: ID! @override(from: "b") weight: Int }""",
    b=F2()
    + """type Item @key(fields: "id") { id: ID! weight: Int @external shipping: Int @requires(fields: "weight") }""",
)
case(
    "error-override-abstracted-by-interface-object",
    a=F2()
    + """type Query { animals: [Animal] } interface Animal @key(fields: "id") { id: ID! name: String } type Dog implements Animal @key(fields: "id") { id: ID! name: String @override(from: "b") }""",
    b=F2() + """type Animal @key(fields: "id") @interfaceObject { id: ID! name: String }""",
)
case(
    "error-fed1-directive-definition-wrong-type",
    a="""type Query { box: Box } type Box @key(fields: "id") { id: ID! size: Int }""",
    b="""type Box @key(fields: "id") { id: ID! size: Int @override(from: "a") } directive @override(from: String) on FIELD_DEFINITION""",
)

# --- @composeDirective variants ---
CD = F("2.3", ["key", "composeDirective", "tag"])
case(
    "compose-directive-versions",
    a=CD
    + """extend schema @link(url: "https://x.dev/c/v1.0", import: ["@c"]) @composeDirective(name: "@c")
directive @c(a: Int) on FIELD_DEFINITION
type Query { a: Int @c(a: 1) }""",
    b=CD
    + """extend schema @link(url: "https://x.dev/c/v1.1", import: ["@c"]) @composeDirective(name: "@c")
directive @c(a: Int, b: String) repeatable on FIELD_DEFINITION | OBJECT
type Query { b: Int @c(b: "x") @c(a: 2) }""",
)
case(
    "compose-directive-renamed-import",
    a=CD
    + """extend schema @link(url: "https://x.dev/c/v1.0", import: [{name: "@c", as: "@d"}]) @composeDirective(name: "@d")
directive @d on FIELD_DEFINITION
type Query { a: Int @d }""",
)
case(
    "compose-directive-of-tag",
    a=CD
    + """extend schema @composeDirective(name: "@tag")
type Query { a: Int @tag(name: "x") }""",
)
case(
    "error-compose-federation-directive",
    a=CD
    + """extend schema @composeDirective(name: "@key")
type Query { a: Int }""",
)
case(
    "error-compose-directive-not-linked",
    a=CD
    + """extend schema @composeDirective(name: "@c")
directive @c on FIELD_DEFINITION
type Query { a: Int @c }""",
)
case(
    "error-compose-directive-without-at",
    a=CD
    + """extend schema @link(url: "https://x.dev/c/v1.0", import: ["@c"]) @composeDirective(name: "c")
directive @c on FIELD_DEFINITION
type Query { a: Int @c }""",
)

case(
    "error-invalid-default-values",
    a=F2()
    + """type Query { f(x: Int = "one", e: Color = PURPLE, i: In = {b: 1}): Int } enum Color { RED } input In { a: Int! = null }""",
)

# --- failures ---
case(
    "error-key-fields-not-a-string",
    a=F2() + """type Query { t: T } type T @key(fields: 123) { id: ID! }""",
)
case("error-key-without-fields", a=F2() + """type Query { t: T } type T @key { id: ID! }""")
case("error-override-without-from", a=F2() + """type Query { a: Int @override }""")
case("error-duplicate-field", a=F2() + """type Query { a: Int } extend type Query { a: Int }""")
case(
    "error-unknown-root-type", a="""schema { query: Nope }""", b=F2() + """type Query { b: Int }"""
)
case("error-unknown-type", a=F2() + """type Query { t: Missing }""")
case("error-unknown-directive", a=F2() + """type Query { a: Int @unknownDirective }""")
case(
    "error-provides-invalid-fields",
    a=F2()
    + """type Query { t: T @provides(fields: "zzz") } type T @key(fields: "id") { id: ID! }""",
)
case(
    "error-import-unknown-element",
    a=F("2.5", ["key", "policy"]) + """type Query { a: Int @policy(policies: [["p"]]) }""",
)
case(
    "error-prefixed-name-of-imported",
    a=F("2.3", ["key", "shareable"]) + """type Query { a: Int @federation__shareable }""",
)
case(
    "error-invalid-field-sharing",
    a=F2()
    + """type Query { t: T }
type T @key(fields: "id") { id: ID! name: String }""",
    b=F2() + """type T @key(fields: "id") { id: ID! name: String }""",
)
case(
    "error-external-missing-on-base",
    a=F2()
    + """type Query { t: T }
type T @key(fields: "id") { id: ID! }""",
    b=F2()
    + """type T @key(fields: "id") { id: ID! weight: Int @external derived: Int @requires(fields: "weight") }""",
)
case(
    "error-key-select-invalid-type",
    a=F2()
    + """type Query { t: T }
interface Node { id: ID! }
type N implements Node { id: ID! }
type T @key(fields: "node { id }") { node: Node! }""",
)
case(
    "error-field-type-mismatch",
    a=F2()
    + """type Query { t: T }
type T @key(fields: "id") { id: ID! v: Int @shareable }""",
    b=F2() + """type T @key(fields: "id") { id: ID! v: String @shareable }""",
)
case(
    "error-type-kind-mismatch",
    a=F2()
    + """type Query { a: Thing }
type Thing { id: ID }""",
    b=F2()
    + """type Query { b: Int }
interface Thing { id: ID }""",
)
case(
    "error-required-argument-missing",
    a=F2() + """type Query { f(x: Int!): Int @shareable }""",
    b=F2() + """type Query { f: Int @shareable }""",
)
case(
    "error-required-input-field-missing",
    a=F2()
    + """type Query { a(i: In): Int }
input In { x: Int! }""",
    b=F2()
    + """type Query { b(i: In): Int }
input In { y: Int }""",
)
case(
    "error-enum-value-mismatch",
    a=F2()
    + """type Query { a(s: E): E }
enum E { A B }""",
    b=F2()
    + """type Query { b: E }
enum E { A }""",
)
case(
    "error-override-from-self",
    a=F2()
    + """type Query { t: T }
type T @key(fields: "id") { id: ID! x: Int @override(from: "a") }""",
)
case(
    "error-key-invalid-fields",
    a=F2()
    + """type Query { t: T }
type T @key(fields: "nope") { id: ID! }""",
)
case(
    "error-external-unused",
    a=F2()
    + """type Query { t: T }
type T @key(fields: "id") { id: ID! x: Int @external }""",
    b=F2() + """type T @key(fields: "id") { id: ID! x: Int }""",
)
case(
    "error-extension-with-no-base",
    a="""type Query { a: Int }
extend type Ghost @key(fields: "id") { id: ID! @external extra: Int }""",
)
case(
    "error-provides-on-non-object",
    a=F2()
    + """type Query { t: T name: String @provides(fields: "x") }
type T @key(fields: "id") { id: ID! }""",
)
case("error-syntax", a="""type Query { a: Int """)
case(
    "error-override-label-invalid",
    a=F("2.7", STD)
    + """type Query { t: T }
type T @key(fields: "id") { id: ID! moved: String @override(from: "b", label: "1bad label") }""",
    b=F("2.7", STD) + """type T @key(fields: "id") { id: ID! moved: String }""",
)
case(
    "error-empty-merged-input",
    a=F2()
    + """type Query { a(i: In): Int }
input In { x: Int }""",
    b=F2()
    + """type Query { b(i: In): Int }
input In { y: Int }""",
)
case(
    "error-requires-missing-external",
    a=F2()
    + """type Query { t: T }
type T @key(fields: "id") { id: ID! a: Int b: Int @requires(fields: "a") }""",
)

# --- @provides on an interface-typed field: the implementations' @external fields it selects are
# provided, so they count as shareable where provided (Apollo's includeInterfaceFieldsImplementations) ---
_MEDIA_PROVIDER = """type Query { media: Media @shareable @provides(fields: "animals { id name }") }
interface Media { id: ID! animals: [Animal] }
interface Animal { id: ID! name: String }
type Book implements Media { id: ID! @shareable animals: [Animal] @external }
type Dog implements Animal { id: ID! @external name: String @external }
type Cat implements Animal { id: ID! @external name: String @external }"""
case(
    "provides-on-interface-external-implementations",
    a=F2() + _MEDIA_PROVIDER,
    c=F2()
    + """interface Media { id: ID! animals: [Animal] }
interface Animal { id: ID! name: String }
type Book implements Media @key(fields: "id") { id: ID! animals: [Animal] @shareable }
type Dog implements Animal @key(fields: "id") { id: ID! name: String @shareable age: Int }
type Cat implements Animal @key(fields: "id") { id: ID! name: String @shareable age: Int }""",
)
case(
    "error-provides-on-interface-owner-not-shareable",
    a=F2() + _MEDIA_PROVIDER,
    c=F2()
    + """type Query { media: Media @shareable }
interface Media { id: ID! animals: [Animal] }
interface Animal { id: ID! name: String }
type Book implements Media @key(fields: "id") { id: ID! animals: [Animal] @shareable }
type Dog implements Animal @key(fields: "id") { id: ID! name: String age: Int }
type Cat implements Animal @key(fields: "id") { id: ID! name: String age: Int }""",
)

# --- an interface field reached from a subgraph that knows no implementation of the interface: it
# can never return an object there, so every query through it is (vacuously) satisfiable ---
case(
    "sat-interface-without-implementations-in-source",
    a=F2()
    + """type Query { node: Node }
interface Node { id: ID! }""",
    b=F2()
    + """interface Node { id: ID! name: String owner: Owner }
type Owner @shareable { id: ID! }
type User implements Node @key(fields: "id") { id: ID! name: String owner: Owner }""",
)
case(
    "sat-interface-field-through-implementations",
    a=F2()
    + """type Query { node: Node }
interface Node { id: ID! }
type User implements Node @key(fields: "id") { id: ID! }
type Robot implements Node @key(fields: "id") { id: ID! }""",
    b=F2()
    + """interface Node { id: ID! owner: Owner }
type Owner @key(fields: "id") { id: ID! }
type User implements Node @key(fields: "id") { id: ID! owner: Owner }
type Robot implements Node @key(fields: "id") { id: ID! owner: Owner }""",
    c=F2() + """type Owner @key(fields: "id") { id: ID! name: String }""",
)
case(
    "error-sat-interface-field-missing-for-one-implementation",
    a=F2()
    + """type Query { node: Node }
interface Node { id: ID! }
type User implements Node @key(fields: "id") { id: ID! }
type Robot implements Node @shareable { id: ID! }""",
    b=F2()
    + """interface Node { id: ID! name: String }
type User implements Node @key(fields: "id") { id: ID! name: String }
type Robot implements Node @shareable { id: ID! name: String }""",
)

# --- a key edge's condition is resolved by a sub-plan: the parts of a compound key may come from
# several subgraphs, through entity jumps at nested types ---
_CATALOG = """type Query { catalog: Catalog! }
type Catalog @key(fields: "items { sku }") { items: [Item!]! }
type Item @key(fields: "sku") { sku: String! section: Section @shareable }
type Section @key(fields: "code") { code: String! label: String @shareable }"""
_CATALOG_PRICES = """type Catalog @key(fields: "items { sku region section { code label } }") { items: [Item!]! featured: Item @shareable }
type Item @key(fields: "sku region section { code label }") { sku: String! region: String section: Section stock: Int }
type Section @key(fields: "code label") { code: String! label: String }"""
case(
    "sat-compound-key-collected-from-several-subgraphs",
    a=F2() + _CATALOG,
    b=F2()
    + """type Item @key(fields: "sku") @key(fields: "sku region") { sku: String! region: String! }""",
    c=F2() + _CATALOG_PRICES,
)
case(
    "error-sat-compound-key-part-unreachable",
    a=F2() + _CATALOG,
    b=F2() + """type Item @key(fields: "sku region") { sku: String! region: String! }""",
    c=F2() + _CATALOG_PRICES,
)

# --- a shared field of abstract type must have common runtime types in the subgraphs serving it ---
case(
    "error-shareable-mismatched-runtime-types",
    a=F2()
    + """type Query { device(id: ID!): Device @shareable kettles: [Kettle] }
interface Device { id: ID! }
type Kettle implements Device @key(fields: "id") { id: ID! litres: Int }""",
    b=F2()
    + """type Query { device(id: ID!): Device @shareable }
interface Device { id: ID! }
type Lamp implements Device @key(fields: "id") { id: ID! watts: Int }""",
)
case(
    "shareable-partly-intersecting-runtime-types",
    a=F2()
    + """type Query { device(id: ID!): Device @shareable }
interface Device { id: ID! }
type Kettle implements Device @key(fields: "id") { id: ID! litres: Int }
type Lamp implements Device @key(fields: "id") { id: ID! }""",
    b=F2()
    + """type Query { device(id: ID!): Device @shareable }
interface Device { id: ID! }
type Lamp implements Device @key(fields: "id") { id: ID! watts: Int }""",
)
# --- value types reached through @interfaceObject fields shared by two subgraphs ---
case(
    "sat-interface-object-shared-value-type",
    a=F2()
    + """interface Media @key(fields: "id") { id: ID! }
type Book implements Media @key(fields: "id") { id: ID! title: String }""",
    b=F2()
    + """type Query { media: [Media] }
type Media @key(fields: "id") @interfaceObject { id: ID! stats: Stats @shareable }
type Stats @shareable { views: Int }""",
    c=F2()
    + """type Media @key(fields: "id") @interfaceObject { id: ID! stats: Stats @shareable }
type Stats @shareable { views: Int likes: Int }""",
)

# --- a progressive @override must leave the field reachable with its label on and off ---
case(
    "error-sat-progressive-override-to-unreachable-subgraph",
    a=F("2.7", STD)
    + """type Query { t: T }
type T @key(fields: "id") { id: ID! }""",
    b=F("2.7", STD) + """type T @key(fields: "id") { id: ID! x: Int }""",
    c=F("2.7", STD)
    + """type T @key(fields: "id", resolvable: false) { id: ID! x: Int @override(from: "b", label: "percent(50)") }""",
)
# --- an @interfaceObject with a non-resolvable key: it can reach the interface's subgraph, but
# its own fields cannot be fetched from elsewhere ---
case(
    "sat-interface-object-non-resolvable-key",
    a=F2()
    + """type Query { anyNode: Node }
interface Node @key(fields: "id") { id: ID! }
type User implements Node @key(fields: "id") { id: ID! name: String }""",
    b=F2()
    + """type Query { nodes: [Node] }
type Node @key(fields: "id", resolvable: false) @interfaceObject { id: ID! }""",
)
case(
    "error-sat-interface-object-non-resolvable-key-field",
    a=F2()
    + """type Query { anyNode: Node }
interface Node @key(fields: "id") { id: ID! }
type User implements Node @key(fields: "id") { id: ID! name: String }""",
    b=F2()
    + """type Node @key(fields: "id", resolvable: false) @interfaceObject { id: ID! extra: Int }""",
)

# --- from an @interfaceObject a type condition needs a key jump to a subgraph that defines the
# interface and the implementation ---
_VEHICLES = """type Query { vehicles: [Vehicle] }
interface Vehicle @key(fields: "vin") { vin: ID! plate: String! }
type Truck implements Vehicle @key(fields: "vin") @key(fields: "plate") { vin: ID! plate: String! axles: Int }"""
case(
    "error-sat-interface-object-cannot-reach-implementations",
    a=F2() + _VEHICLES,
    b=F2()
    + """type Query { tagged: [Vehicle] }
type Vehicle @key(fields: "plate") @interfaceObject { plate: String! tag: String }""",
)
case(
    "sat-interface-object-reaches-implementations-by-interface-key",
    a=F2() + _VEHICLES,
    b=F2()
    + """type Query { tagged: [Vehicle] }
type Vehicle @key(fields: "vin") @interfaceObject { vin: ID! tag: String }""",
)

# --- a default input object that leaves out a required field is accepted (Apollo checks only the
# fields a default gives) ---
case(
    "input-default-omits-required-field",
    a=F2()
    + """type Query { f(x: In = {a: 1}): Int }
input In { a: Int b: String! }""",
)

# --- interface fields are checked per implementation (Apollo leaves an interface only through
# type conditions): an implementation's key field @external in one subgraph is served by another ---
case(
    "sat-interface-field-external-in-one-implementation",
    a=F2()
    + """type Query { item(id: ID!): Item @shareable }
interface Item { id: ID! }
type Post implements Item @key(fields: "id") { id: ID! title: String }
type Comment implements Item @key(fields: "id") { id: ID! @external post: Post }""",
    b=F2()
    + """type Query { item(id: ID!): Item @shareable }
interface Item { id: ID! }
type Post implements Item @key(fields: "id") { id: ID! @external comments: [Comment] }
type Comment implements Item @key(fields: "id") { id: ID! body: String }""",
)

# --- a default value in the API schema may not use an @inaccessible enum value or input field ---
case(
    "error-default-value-uses-inaccessible",
    a=F2()
    + """type Query { users(role: Role = ADMIN, f: F = {x: 1}): Int }
enum Role { USER ADMIN @inaccessible }
input F { x: Int @inaccessible y: Int }""",
)
case(
    "default-value-inaccessible-on-hidden-argument",
    a=F2()
    + """type Query { users(role: Role = ADMIN @inaccessible): Int }
enum Role { USER ADMIN @inaccessible }""",
)


def main() -> None:
    for name, subs in cases.items():
        d = ROOT / name
        shutil.rmtree(d, ignore_errors=True)
        d.mkdir(parents=True)
        lines = ["subgraphs:"]
        for sg, sdl in subs.items():
            (d / f"{sg}.graphql").write_text(sdl)
            url = (
                f"http://127.0.0.1:4200/{sg}"
                if name == "bench-fed1"
                else f"http://{sg}.example:4000/graphql"
            )
            lines += [
                f"  {sg}:",
                f"    routing_url: {url}",
                "    schema:",
                f"      file: ./{sg}.graphql",
            ]
        (d / "supergraph.yaml").write_text("\n".join(lines) + "\n")
    print(f"wrote {len(cases)} cases")


if __name__ == "__main__":
    main()

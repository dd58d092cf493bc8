"""The codegen check finds warnings, untyped scalars and missing scalar fields in codegen's output."""

from __future__ import annotations

from tools.codegen.check import SCALAR_FIELDS, problems

TYPED = """/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Any string: an unknown value, say. */
export type Q = { releaseDate: string | null, purchasedAt: string, total: { amount: string } };
export const QDocument = {"kind":"Document"} as unknown as DocumentNode<Q, unknown>;
"""


def test_a_fully_typed_output_passes() -> None:
    assert problems("✔ Generate outputs\n", TYPED) == []


def test_an_unknown_scalar_fails() -> None:
    found = problems("", TYPED.replace("amount: string", "amount: unknown"))
    assert found == ["untyped: export type Q = { releaseDate: string | null, purchasedAt: string, total: "
                     "{ amount: unknown } };", "no `amount: string` in the generated types"]


def test_any_and_warnings_fail() -> None:
    found = problems("[WARNING] something odd\n", TYPED.replace("purchasedAt: string", "purchasedAt: any"))
    assert found[0] == "codegen warned: [WARNING] something odd"
    assert found[1].startswith("untyped: export type Q")
    assert found[2] == "no `purchasedAt: string` in the generated types"


def test_the_sample_documents_exercise_every_custom_scalar() -> None:
    assert {field.split(":")[0] for field in SCALAR_FIELDS} == {"releaseDate", "purchasedAt", "amount"}

import pytest
import torch

from recipes.dtypes import (
    cast_safely,
    describe_dtype,
    make_trainable,
    match_dtypes,
    parse_dtype,
    predict_result_dtype,
)

ALL_DTYPES = [
    torch.bool,
    torch.uint8,
    torch.int8,
    torch.int16,
    torch.int32,
    torch.int64,
    torch.float16,
    torch.bfloat16,
    torch.float32,
    torch.float64,
    torch.complex64,
    torch.complex128,
]


# parse_dtype ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, expected",
    [
        ("half", torch.float16),
        ("float", torch.float32),
        ("double", torch.float64),
        ("short", torch.int16),
        ("int", torch.int32),
        ("long", torch.int64),
        ("torch.float16", torch.float16),
        ("torch.ByteTensor", torch.uint8),
        ("torch.cuda.FloatTensor", torch.float32),
        (" bool ", torch.bool),
    ],
)
def test_parse_dtype_names(name, expected):
    assert parse_dtype(name) is expected


@pytest.mark.parametrize("dtype", ALL_DTYPES)
def test_parse_dtype_round_trips_str_and_type_strings(dtype):
    assert parse_dtype(str(dtype)) is dtype
    assert parse_dtype(torch.empty(0, dtype=dtype).type()) is dtype
    assert parse_dtype(dtype) is dtype


def test_parse_dtype_matches_conversion_methods():
    t = torch.tensor([1, 2])
    for method in ("half", "float", "double", "short", "int", "long", "bool"):
        assert getattr(t, method)().dtype is parse_dtype(method)


def test_parse_dtype_rejects_unknown_name():
    with pytest.raises(ValueError, match=r"expected a dtype name such as .* got 'float128'"):
        parse_dtype("float128")


def test_parse_dtype_rejects_non_string():
    with pytest.raises(TypeError, match="expected a torch.dtype or a str, got int"):
        parse_dtype(32)


def test_parse_dtype_rejects_non_dtype_attribute():
    with pytest.raises(ValueError, match="got 'zeros'"):
        parse_dtype("zeros")


# describe_dtype ------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", ALL_DTYPES)
def test_describe_dtype_is_consistent_with_torch(dtype):
    info = describe_dtype(torch.zeros(2, dtype=dtype))
    assert info["dtype"] is dtype
    assert info["legacy_name"] == torch.zeros(2, dtype=dtype).type()
    assert info["bits"] == torch.zeros(1, dtype=dtype).element_size() * 8
    try:
        torch.zeros(2, dtype=dtype).requires_grad_(True)
        accepted = True
    except RuntimeError:
        accepted = False
    assert info["can_require_grad"] is accepted


def test_describe_dtype_accepts_names():
    assert describe_dtype("half")["kind"] == "floating"
    assert describe_dtype(torch.int8)["kind"] == "integer"
    assert describe_dtype("bool")["kind"] == "bool"
    assert describe_dtype(torch.complex64)["kind"] == "complex"


def test_describe_dtype_rejects_other_types():
    with pytest.raises(TypeError, match="expected a tensor, a torch.dtype or a dtype name, got list"):
        describe_dtype([1.0])


# cast_safely ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "t, dtype",
    [
        (torch.tensor([1, 2, 255]), torch.uint8),
        (torch.tensor([-128, 127]), torch.int8),
        (torch.tensor([1.0, -2.0]), torch.int64),
        (torch.tensor([0, 1]), torch.bool),
        (torch.tensor([1.5, 2.25]), torch.float16),
        (torch.tensor([2**24]), torch.float32),
        (torch.tensor([True, False]), torch.float32),
        (torch.tensor([1 + 0j]), torch.float64),
        (torch.tensor([1.0, float("nan")]), torch.float16),
    ],
)
def test_cast_safely_allows_lossless_casts(t, dtype):
    got = cast_safely(t, dtype)
    assert got.dtype is dtype
    back = got.to(t.dtype)
    assert torch.equal(back, t) or torch.allclose(back, t, equal_nan=True)


def test_cast_safely_accepts_dtype_names():
    assert cast_safely(torch.tensor([1, 2]), "torch.DoubleTensor").dtype is torch.float64


@pytest.mark.parametrize(
    "t, dtype, message",
    [
        (torch.tensor([300]), torch.uint8, r"expected values in \[0, 255\] for torch.uint8, got values in \[300, 300\]"),
        (torch.tensor([-1]), torch.uint8, r"expected values in \[0, 255\] for torch.uint8"),
        (torch.tensor([0.5]), torch.int32, "expected whole finite numbers to cast to torch.int32, got 0.5"),
        (torch.tensor([float("nan")]), torch.int64, "expected whole finite numbers .* got nan"),
        (torch.tensor([1e10]), torch.int32, r"expected values in \[-2147483648, 2147483647\]"),
        (torch.tensor([70000.0]), torch.float16, "expected finite values to stay finite in torch.float16"),
        (torch.tensor([2**24 + 1]), torch.float32, "expected integers exactly representable in torch.float32"),
        (torch.tensor([1 + 2j]), torch.float32, "expected zero imaginary parts"),
        (torch.tensor([2]), torch.bool, r"expected values in \[0, 1\] for torch.bool"),
    ],
)
def test_cast_safely_refuses_lossy_casts(t, dtype, message):
    with pytest.raises(ValueError, match=message):
        cast_safely(t, dtype)


def test_cast_safely_rejects_non_tensor():
    with pytest.raises(TypeError, match="expected a torch.Tensor, got list"):
        cast_safely([1, 2], torch.float32)


# predict_result_dtype ------------------------------------------------------------------------

OPERANDS = [
    torch.tensor([1, 2], dtype=torch.int32),
    torch.tensor([1, 2]),
    torch.tensor([1, 2], dtype=torch.uint8),
    torch.tensor([1, 2], dtype=torch.int8),
    torch.tensor([1.0, 2.0], dtype=torch.float16),
    torch.tensor([1.0, 2.0]),
    torch.tensor([1.0, 2.0], dtype=torch.float64),
    torch.tensor([True, False]),
    torch.tensor(3.0, dtype=torch.float64),
    5,
    0.5,
    True,
]


@pytest.mark.parametrize("a", OPERANDS)
@pytest.mark.parametrize("b", OPERANDS)
def test_predict_result_dtype_matches_actual_addition(a, b):
    if not isinstance(a, torch.Tensor) and not isinstance(b, torch.Tensor):
        expected = torch.tensor(a + b).dtype if type(a) is not bool or type(b) is not bool else torch.bool
    else:
        expected = (a + b).dtype
    assert predict_result_dtype(a, b) is expected


def test_predict_result_dtype_treats_dtypes_as_tensors():
    assert predict_result_dtype(torch.int32, torch.int64) is (torch.zeros(1, dtype=torch.int32) + torch.zeros(1, dtype=torch.int64)).dtype
    assert predict_result_dtype(torch.int32, 2.5) is torch.float32


def test_predict_result_dtype_rejects_strings():
    with pytest.raises(TypeError, match="expected a tensor, a Python number or a torch.dtype, got str"):
        predict_result_dtype("float32", 1)


# match_dtypes --------------------------------------------------------------------------------


def test_match_dtypes_makes_matmul_work():
    a = torch.tensor([[1, 2], [3, 4]])
    b = torch.tensor([[0.5], [0.25]])
    with pytest.raises(RuntimeError):
        a @ b
    a2, b2 = match_dtypes(a, b)
    assert a2.dtype is b2.dtype is torch.float32
    assert torch.equal(a2 @ b2, torch.tensor([[1.0], [2.5]]))


@pytest.mark.parametrize("a", OPERANDS[:7])
@pytest.mark.parametrize("b", OPERANDS[:7])
def test_match_dtypes_agrees_with_addition_for_same_rank_tensors(a, b):
    a2, b2 = match_dtypes(a, b)
    assert a2.dtype is b2.dtype is (a + b).dtype
    assert torch.equal(a2.double(), a.double()) and torch.equal(b2.double(), b.double())


def test_match_dtypes_rejects_non_tensor():
    with pytest.raises(TypeError, match="expected torch.Tensor arguments, got list for argument 1"):
        match_dtypes(torch.tensor([1]), [2.0])


def test_match_dtypes_rejects_nothing():
    with pytest.raises(ValueError, match="expected at least one tensor, got none"):
        match_dtypes()


# make_trainable ------------------------------------------------------------------------------


def test_make_trainable_gradient_and_independence():
    source = torch.tensor([1.0, -2.0, 3.0])
    w = make_trainable(source)
    (w**2).sum().backward()
    assert torch.equal(w.grad, 2 * source)
    with torch.no_grad():
        w -= 1.0
    assert torch.equal(source, torch.tensor([1.0, -2.0, 3.0]))
    assert not source.requires_grad


def test_make_trainable_casts_integer_tensor_when_asked():
    w = make_trainable(torch.tensor([1, 2]), dtype="double")
    assert w.dtype is torch.float64 and w.requires_grad and w.is_leaf


def test_make_trainable_detaches_from_existing_graph():
    x = torch.tensor([1.0], requires_grad=True)
    w = make_trainable(x * 3)
    assert w.is_leaf and w.grad_fn is None


@pytest.mark.parametrize("t, dtype", [(torch.tensor([1, 2]), None), (torch.tensor([1.0]), "long"), (torch.tensor([True]), None)])
def test_make_trainable_rejects_non_floating(t, dtype):
    with pytest.raises(TypeError, match="expected a floating or complex dtype to require grad, got torch"):
        make_trainable(t, dtype=dtype)


def test_raw_requires_grad_on_integers_is_a_runtime_error():
    with pytest.raises(RuntimeError, match="floating point and complex"):
        torch.tensor([1, 2], requires_grad=True)

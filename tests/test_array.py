"""Array basics: reprs, immutability, indexing, .at, devices."""
import numpy as np
import pytest

import s2s as jax
import s2s.numpy as jnp


def test_reprs_match_jax():
    assert repr(jnp.array([1, 2])) == "Array([1, 2], dtype=int32)"
    assert repr(jnp.asarray(-1)) == "Array(-1, dtype=int32, weak_type=True)"
    assert repr(jnp.arange(3) + 1.0) == "Array([1., 2., 3.], dtype=float32, weak_type=True)"
    assert repr(jnp.zeros((0, 4))) == "Array([], shape=(0, 4), dtype=float32)"
    assert repr(jnp.array([True, False])) == "Array([ True, False], dtype=bool)"
    assert str(jnp.arange(3.0)) == "[0. 1. 2.]"
    assert "..." in repr(jnp.arange(2000.0))


def test_immutable():
    x = jnp.arange(10)
    with pytest.raises(TypeError, match=r"x = x.at\[idx\].set\(y\)"):
        x[0] = 10
    y = x.at[0].set(10)
    np.testing.assert_array_equal(x, np.arange(10))
    np.testing.assert_array_equal(y, [10, 1, 2, 3, 4, 5, 6, 7, 8, 9])


@pytest.mark.parametrize("idx", [
    1, -1, (slice(None), 2), (None, 1, None), (Ellipsis, np.array([0, 3])),
    (np.array([0, 2]), slice(1, 3)), (np.array([0, 2]), None, np.array([1, 3])),
    (slice(None), np.array([[0], [1]])), (slice(None, None, -2), 1), (np.array([2, 0]), slice(None, None, -2)),
    (slice(1, None), np.array([-1, 0])), (), Ellipsis, (1, Ellipsis, None),
])
def test_getitem_matches_numpy(idx):
    n = np.arange(12).reshape(3, 4)
    np.testing.assert_array_equal(jnp.asarray(n)[idx], n[idx])


def test_boolean_mask_eager():
    n = np.arange(12.0).reshape(3, 4) - 5
    np.testing.assert_array_equal(jnp.asarray(n)[n < 0], n[n < 0])


def test_gather_clamps_out_of_bounds():
    x = jnp.arange(5)
    np.testing.assert_array_equal(x[jnp.array([7, 1])], [4, 1])


@pytest.mark.parametrize("mode,expect", [
    ("set", [0, 9, 2, 9, 4]), ("add", [0, 10, 2, 12, 4]), ("multiply", [0, 9, 2, 27, 4]),
    ("min", [0, 1, 2, 3, 4]), ("max", [0, 9, 2, 9, 4]),
])
def test_at_modes(mode, expect):
    x = jnp.arange(5)
    np.testing.assert_array_equal(getattr(x.at[np.array([1, 3])], mode)(9), expect)


def test_at_drops_out_of_bounds_updates_and_adds_duplicates():
    x = jnp.zeros(3)
    np.testing.assert_array_equal(x.at[jnp.array([0, 0, 5])].add(1.0), [2, 0, 0])


def test_at_get_and_slices():
    x = jnp.arange(12).reshape(3, 4)
    np.testing.assert_array_equal(x.at[1:, ::2].set(0), np.where(
        (np.arange(3)[:, None] >= 1) & (np.arange(4) % 2 == 0), 0, np.arange(12).reshape(3, 4)))
    np.testing.assert_array_equal(x.at[1].get(), [4, 5, 6, 7])


def test_devices_and_sharding():
    x = jnp.arange(5)
    assert isinstance(x, jax.Array)
    assert x.devices() == {jax.devices()[0]}
    assert repr(x.sharding) == \
        "SingleDeviceSharding(device=CpuDevice(id=0), memory_kind=unpinned_host)"


def test_scalar_conversions_and_protocols():
    x = jnp.array([3.5])
    assert float(x) == 3.5 and int(jnp.asarray(3)) == 3 and bool(jnp.asarray(True))
    assert jnp.asarray(2).__index__() == 2
    assert len(jnp.zeros((4, 2))) == 4
    assert [int(v) for v in jnp.arange(3)] == [0, 1, 2]
    with pytest.raises(TypeError):
        hash(x)
    with pytest.raises(ValueError, match="ambiguous"):
        bool(jnp.ones(2))
    assert np.asarray(jnp.arange(3.0)).dtype == np.float32
    assert jnp.arange(4).reshape(2, 2).tolist() == [[0, 1], [2, 3]]


def test_bfloat16_roundtrip():
    x = jnp.array([1.5, 2.0], dtype=jnp.bfloat16)
    assert x.dtype == jnp.bfloat16
    np.testing.assert_array_equal(np.asarray(x).astype(np.float32), [1.5, 2.0])


def test_incompatible_shapes_error():
    with pytest.raises(TypeError, match=r"add got incompatible shapes for broadcasting: \(3,\), \(4,\)\."):
        jnp.add(jnp.ones(3), jnp.ones(4))

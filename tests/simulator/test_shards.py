"""Shards in processes: results in order, errors and dead processes reported, Ctrl-C."""

import os
import signal

import pytest

from simulator.shards import ShardFailed, run_sharded, stop_on_interrupt


def _square(settings, shard, progress, stop):
    progress(shard.index + 1)
    return (settings * shard.index, shard.count)


def _refuse_second(settings, shard, progress, stop):
    if shard.index == 1:
        raise ValueError("shard 2 cannot run: a clear reason")
    return shard.index


def _die_second(settings, shard, progress, stop):
    if shard.index == 1:
        os._exit(3)
    return shard.index


def test_results_come_back_in_shard_order_with_progress_summed():
    seen = []
    assert run_sharded(_square, 10, 3, seen.append) == [(0, 3), (10, 3), (20, 3)]
    assert seen[-1] == 1 + 2 + 3


def test_an_error_in_a_shard_is_raised_here_as_itself():
    with pytest.raises(ValueError, match="a clear reason"):
        run_sharded(_refuse_second, None, 2)


def test_a_shard_that_dies_without_reporting_is_named():
    with pytest.raises(ShardFailed, match=r"shard 2/2 ended \(exit code 3\)"):
        run_sharded(_die_second, None, 2)


def test_ctrl_c_asks_to_stop_and_a_second_one_stops_at_once():
    with stop_on_interrupt() as stop:
        assert not stop()
        os.kill(os.getpid(), signal.SIGINT)
        assert stop()
        with pytest.raises(KeyboardInterrupt):
            os.kill(os.getpid(), signal.SIGINT)
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler

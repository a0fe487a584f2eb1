"""Tests for hawkeye_core.concurrency.monitor: ResourceMonitor and the psutil sampler."""

from __future__ import annotations

import logging
import threading
import time
from collections import namedtuple
from collections.abc import Iterable

import pytest

from hawkeye_core.concurrency.monitor import (
    PsutilSampler,
    ResourceAlert,
    ResourceLimits,
    ResourceMonitor,
    ResourceSample,
    _busy_percent,
)

pytestmark = pytest.mark.timeout(60)

MB = 2**20


def reading(
    t: float, *, memory: float = 50.0, rss: int = 100 * MB, cpu: float = 10.0
) -> ResourceSample:
    return ResourceSample(
        time=t,
        process_rss=rss,
        process_cpu_percent=cpu / 2,
        system_memory_percent=memory,
        system_cpu_percent=cpu,
        threads=4,
    )


class ScriptedSampler:
    """Returns the given readings in order, then repeats the last one."""

    def __init__(self, readings: Iterable[ResourceSample]) -> None:
        self.readings = list(readings)
        self.calls = 0
        self.called = threading.Event()

    def __call__(self) -> ResourceSample:
        value = self.readings[min(self.calls, len(self.readings) - 1)]
        self.calls += 1
        self.called.set()
        return value


def test_history_keeps_only_the_most_recent_samples() -> None:
    sampler = ScriptedSampler(reading(t) for t in range(5))
    monitor = ResourceMonitor(history=3, sampler=sampler)
    assert monitor.latest is None and monitor.history() == []
    for _ in range(5):
        monitor.sample()
    assert [s.time for s in monitor.history()] == [2, 3, 4]
    assert monitor.latest is not None and monitor.latest.time == 4


def test_an_alert_fires_when_a_metric_crosses_its_limit_not_while_it_stays_over() -> None:
    received: list[ResourceAlert] = []
    memory = [50, 95, 96, 97, 80, 91]
    monitor = ResourceMonitor(
        ResourceLimits(max_memory_percent=90.0),
        sampler=ScriptedSampler(reading(t, memory=m) for t, m in enumerate(memory)),
        on_alert=received.append,
    )
    for _ in memory:
        monitor.sample()
    alerts = monitor.alerts()
    assert alerts == received
    assert [(a.time, a.metric, a.value, a.limit) for a in alerts] == [
        (1, "system_memory_percent", 95, 90.0),
        (5, "system_memory_percent", 91, 90.0),
    ]
    assert "system_memory_percent is 95, above the limit of 90" in alerts[0].message


def test_process_rss_and_cpu_limits_alert_only_when_set() -> None:
    high = reading(0, rss=600 * MB, cpu=99.0)
    unlimited = ResourceMonitor(sampler=ScriptedSampler([high]))
    unlimited.sample()
    assert unlimited.alerts() == [] and not unlimited.should_throttle()

    limited = ResourceMonitor(
        ResourceLimits(max_process_rss=512 * MB, max_cpu_percent=95.0),
        sampler=ScriptedSampler([high]),
    )
    limited.sample()
    assert {a.metric for a in limited.alerts()} == {"process_rss", "system_cpu_percent"}
    assert limited.should_throttle()


def test_should_throttle_follows_the_latest_sample() -> None:
    monitor = ResourceMonitor(
        ResourceLimits(max_memory_percent=80.0),
        sampler=ScriptedSampler([reading(0, memory=85), reading(1, memory=79)]),
    )
    assert not monitor.should_throttle()  # no sample yet
    monitor.sample()
    assert monitor.should_throttle()
    monitor.sample()
    assert not monitor.should_throttle()


def test_alerts_are_bounded() -> None:
    memory = [95, 10] * 5
    monitor = ResourceMonitor(
        history=2, sampler=ScriptedSampler(reading(t, memory=m) for t, m in enumerate(memory))
    )
    for _ in memory:
        monitor.sample()
    assert [a.time for a in monitor.alerts()] == [6, 8]


def test_a_failing_alert_handler_is_logged_and_the_sample_kept(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken(alert: ResourceAlert) -> None:
        raise RuntimeError("handler broke")

    monitor = ResourceMonitor(sampler=ScriptedSampler([reading(0, memory=99)]), on_alert=broken)
    with caplog.at_level(logging.WARNING):
        sample = monitor.sample()
    assert monitor.latest == sample and len(monitor.alerts()) == 1
    messages = [r.getMessage() for r in caplog.records]
    assert any("alert handler failed" in m for m in messages)
    assert any("above the limit" in m for m in messages)


def test_psutil_sampler_reads_sane_values_for_this_process() -> None:
    sampler = PsutilSampler()
    busy_until = time.process_time() + 0.1
    while time.process_time() < busy_until:  # some CPU to measure
        pass
    first, second = sampler(), sampler()
    for s in (first, second):
        assert 1 * MB < s.process_rss < 64 * 1024 * MB
        assert 0.0 < s.system_memory_percent <= 100.0
        assert 0.0 <= s.system_cpu_percent <= 100.0
        assert s.process_cpu_percent >= 0.0
        assert s.threads >= 1
        assert abs(s.time - time.time()) < 60
    assert first.process_cpu_percent > 0.0


def test_system_cpu_percent_is_busy_time_over_total_time() -> None:
    Times = namedtuple("Times", "user system idle iowait")
    before = Times(user=10.0, system=5.0, idle=80.0, iowait=5.0)
    after = Times(user=40.0, system=15.0, idle=130.0, iowait=15.0)
    assert _busy_percent(before, after) == 40.0  # 40 busy of 100
    assert _busy_percent(after, after) == 0.0


def test_monitor_thread_is_named_samples_at_once_and_stops_promptly() -> None:
    sampler = ScriptedSampler([reading(0)])
    monitor = ResourceMonitor(interval=3600, sampler=sampler)
    with monitor:
        assert sampler.called.wait(10)
        threads = [t for t in threading.enumerate() if t.name == "HawkEye-Monitor"]
        assert len(threads) == 1 and threads[0].daemon
        monitor.start()  # already running: no second thread
        assert sum(t.name == "HawkEye-Monitor" for t in threading.enumerate()) == 1
    # Leaving the block joined the thread (up to 5 s); with an hour-long interval only an
    # Event wake-up lets it end in time.
    assert not threads[0].is_alive() and not monitor.running
    assert sampler.calls == 1


def test_monitor_thread_survives_a_sampler_error_and_can_restart(
    caplog: pytest.LogCaptureFixture,
) -> None:
    good = reading(0)
    calls = 0
    second_call = threading.Event()

    def flaky() -> ResourceSample:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise OSError("psutil hiccup")
        second_call.set()
        return good

    monitor = ResourceMonitor(interval=0.001, sampler=flaky)
    with caplog.at_level(logging.ERROR):
        monitor.start()
        assert second_call.wait(10)
        monitor.stop(timeout=10)
    assert not monitor.running
    assert any("resource sampling failed" in r.getMessage() for r in caplog.records)
    assert monitor.latest == good
    monitor.start()
    assert monitor.running
    monitor.stop(timeout=10)
    assert not monitor.running


def test_monitor_rejects_nonsense_settings() -> None:
    sampler = ScriptedSampler([reading(0)])
    with pytest.raises(ValueError):
        ResourceMonitor(interval=0, sampler=sampler)
    with pytest.raises(ValueError):
        ResourceMonitor(history=0, sampler=sampler)

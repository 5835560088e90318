"""The audible alarm: plays for open high-priority alerts only, repeats until acknowledged, mutes for a
while, and falls back to a visible flag when this machine cannot play sound."""

from __future__ import annotations

import os
import subprocess
import sys
import wave
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from pytestqt.qtbot import QtBot

from bedside.alert_vocabulary import AlertKind, AlertStatus, Priority
from bedside.alerts import Alert
from resources import make_sounds
from ui.alarm import DEFAULT_SOUND, MUTE_MINUTES_KEY, Alarm, AlarmFlag

NOW = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
needs_sound = pytest.mark.skipif(
    os.environ.get("BEDSIDE_TEST_SOUND") != "silent-sink",
    reason="no silent sound server (install pulseaudio: .ci/setup)",
)


def alert(alert_id: str = "a1", **changes: object) -> Alert:
    base = Alert(
        alert_id=alert_id,
        patient_id="A1",
        kind=AlertKind.CRS,
        level=3,
        priority=Priority.HIGH,
        status=AlertStatus.ACTIVE,
        raised_at=NOW,
        last_event_at=NOW,
        detail="CRS grade 3",
    )
    return replace(base, **changes)  # type: ignore[arg-type]


@pytest.fixture
def alarm(qtbot: QtBot) -> Alarm:
    alarm = Alarm(mute_minutes=0.01)  # 600 ms
    yield alarm
    alarm.deleteLater()


@needs_sound
def test_a_high_priority_alert_plays_until_acknowledged(qtbot: QtBot, alarm: Alarm) -> None:
    assert alarm.audio_problem is None
    with qtbot.waitSignal(alarm.sounding_changed) as began:
        alarm.raise_for([alert()])
    assert began.args == [True]
    qtbot.waitUntil(lambda: alarm.playing, timeout=3000)
    # It loops: still playing after more than one length of the sound.
    with wave.open(str(DEFAULT_SOUND)) as w:
        length_ms = 1000 * w.getnframes() / w.getframerate()
    qtbot.wait(int(length_ms) + 300)
    assert alarm.playing and alarm.sounding
    with qtbot.waitSignal(alarm.sounding_changed) as ended:
        alarm.acknowledged("a1")
    assert ended.args == [False]
    assert not alarm.playing and not alarm.sounding


@needs_sound
@pytest.mark.parametrize(
    "quiet",
    [
        {"kind": AlertKind.CRS_DOWNGRADE},  # D10: a downgrade never sounds, whatever its priority
        {"kind": AlertKind.ICANS_DOWNGRADE},
        {"priority": Priority.MEDIUM},
        {"priority": Priority.LOW},
        {"status": AlertStatus.ACKNOWLEDGED},
        {"status": AlertStatus.RESOLVED},
    ],
)
def test_no_sound_for_a_downgrade_a_lower_priority_or_a_closed_alert(
    qtbot: QtBot, alarm: Alarm, quiet: dict[str, object]
) -> None:
    with qtbot.assertNotEmitted(alarm.sounding_changed, wait=200):
        alarm.raise_for([alert(**quiet)])
    assert not alarm.sounding and not alarm.playing


@needs_sound
def test_an_update_that_acknowledges_or_lowers_an_alert_stops_it(
    qtbot: QtBot, alarm: Alarm
) -> None:
    alarm.raise_for([alert("a1"), alert("a2", kind=AlertKind.VASOPRESSOR)])
    qtbot.waitUntil(lambda: alarm.playing, timeout=3000)
    alarm.raise_for([alert("a1", status=AlertStatus.ACKNOWLEDGED)])
    assert [a.alert_id for a in alarm.pending] == ["a2"] and alarm.playing
    with qtbot.waitSignal(alarm.sounding_changed):
        alarm.raise_for([alert("a2", priority=Priority.MEDIUM)])
    assert not alarm.playing


@needs_sound
def test_a_mute_silences_for_its_duration_then_the_sound_returns(
    qtbot: QtBot, alarm: Alarm
) -> None:
    flag = AlarmFlag(alarm)
    qtbot.addWidget(flag)
    alarm.raise_for([alert()])
    qtbot.waitUntil(lambda: alarm.playing, timeout=3000)
    with qtbot.waitSignal(alarm.muted_changed) as muted:
        alarm.mute()
    assert muted.args == [True]
    assert alarm.muted and not alarm.playing and alarm.sounding
    assert "sound muted for 1 min" in flag.text()
    assert "ALARM: 1 high-priority alert(s) to acknowledge" in flag.text()
    with qtbot.waitSignal(alarm.muted_changed, timeout=3000) as ended:
        pass  # the mute times out by itself
    assert ended.args == [False]
    qtbot.waitUntil(lambda: alarm.playing, timeout=3000)
    assert "muted" not in flag.text()


@needs_sound
def test_the_mute_duration_is_a_machine_setting(qtbot: QtBot, tmp_path: Path) -> None:
    settings = QSettings(str(tmp_path / "bedside.ini"), QSettings.Format.IniFormat)
    settings.setValue(MUTE_MINUTES_KEY, 5)
    alarm = Alarm.from_settings(settings)
    alarm.raise_for([alert()])
    alarm.mute()
    assert alarm.mute_remaining_ms == pytest.approx(5 * 60_000, rel=0.05)  # a coarse Qt timer
    alarm.unmute()
    assert not alarm.muted
    settings.setValue(MUTE_MINUTES_KEY, "nonsense")
    assert Alarm.from_settings(settings)._mute_timer.interval() == 2 * 60_000
    with pytest.raises(ValueError, match="mute_minutes"):
        Alarm(mute_minutes=0)


def test_without_its_sound_the_alarm_is_a_visible_flag_that_says_so(
    qtbot: QtBot, tmp_path: Path
) -> None:
    alarm = Alarm(tmp_path / "missing.wav")
    flag = AlarmFlag(alarm)
    qtbot.addWidget(flag)
    assert alarm.audio_problem is not None and "missing.wav" in alarm.audio_problem
    assert flag.text().startswith("Alarm sound unavailable: the alarm sound file")
    with qtbot.waitSignal(alarm.sounding_changed):
        alarm.raise_for([alert()])
    assert alarm.sounding and not alarm.playing
    assert flag.text().startswith("ALARM: 1 high-priority alert(s) to acknowledge — no sound:")
    alarm.acknowledged("a1")
    assert not alarm.sounding


def test_a_machine_without_audio_output_degrades_to_the_flag_and_never_crashes(
    tmp_path: Path,
) -> None:
    # A fresh process with no sound server at all (Qt Multimedia's device list is per process).
    script = (
        "from PySide6.QtWidgets import QApplication\n"
        "from ui.alarm import Alarm\n"
        "from tests.ui.test_alarm import alert\n"
        "app = QApplication([])\n"
        "alarm = Alarm()\n"
        "alarm.raise_for([alert()])\n"
        "print(alarm.audio_problem, alarm.sounding, alarm.playing)\n"
    )
    env = os.environ | {
        "PULSE_SERVER": f"unix:{tmp_path / 'nothing'}",
        "QT_QPA_PLATFORM": "offscreen",
    }
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "this machine has no audio output True False"


def test_the_shipped_sound_is_what_the_script_writes(tmp_path: Path) -> None:
    fresh = tmp_path / "alarm.wav"
    make_sounds.write(fresh)
    assert fresh.read_bytes() == DEFAULT_SOUND.read_bytes()
    with wave.open(str(DEFAULT_SOUND)) as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (1, 2, make_sounds.RATE)
        assert 2 < w.getnframes() / w.getframerate() < 6


def test_without_qt_multimedia_the_alarm_says_so_and_goes_on_as_a_flag(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As on a machine where Qt Multimedia's system libraries (libpulse) are missing: the import fails.
    monkeypatch.setitem(sys.modules, "PySide6.QtMultimedia", None)
    alarm = Alarm()
    assert alarm.audio_problem is not None
    assert alarm.audio_problem.startswith("Qt Multimedia cannot load")
    alarm.raise_for([alert()])
    assert alarm.sounding and not alarm.playing

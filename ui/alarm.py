"""The audible alarm: a sound that repeats while any high-priority alert waits for acknowledgement, a mute
that ends by itself, and a visible flag that takes over when this machine cannot play sound.

Which alerts sound is the core's rule (`bedside.audible`); this module only plays, stops and says why not.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QSettings, QTimer, QUrl, Signal
from PySide6.QtWidgets import QLabel, QWidget

from bedside.alerts import Alert
from bedside.audible import audible
from resources import resource_path

DEFAULT_SOUND = resource_path("sounds", "alarm_high.wav")
# QSettings keys (per machine): how long a mute lasts.
MUTE_MINUTES_KEY = "alarm/mute_minutes"
DEFAULT_MUTE_MINUTES = 2.0


class Alarm(QObject):
    """Sounds for the audible alerts it is told about until each is acknowledged or no longer audible.

    Signals:
        sounding_changed(bool): the alarm began or ended (audible alerts waiting or not), sound or not.
        muted_changed(bool): a mute began or ended (it ends by itself after `mute_minutes`).
        audio_unavailable(str): this machine cannot play the sound; the sentence says why. The alarm goes
            on as a visible flag only.
    """

    sounding_changed = Signal(bool)
    muted_changed = Signal(bool)
    audio_unavailable = Signal(str)

    def __init__(
        self,
        sound: Path = DEFAULT_SOUND,
        *,
        mute_minutes: float = DEFAULT_MUTE_MINUTES,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        if mute_minutes <= 0:
            raise ValueError(f"mute_minutes: {mute_minutes} must be more than 0")
        self._pending: dict[str, Alert] = {}
        self._mute_timer = QTimer(self)
        self._mute_timer.setSingleShot(True)
        self._mute_timer.setInterval(round(mute_minutes * 60_000))
        self._problem: str | None = None
        self._effect: Any = None
        self._load(sound)
        self._connect_signals()

    @classmethod
    def from_settings(cls, settings: QSettings, parent: QObject | None = None) -> Alarm:
        """An alarm with this machine's mute duration (QSettings `alarm/mute_minutes`)."""
        raw = settings.value(MUTE_MINUTES_KEY, DEFAULT_MUTE_MINUTES)
        try:
            minutes = float(raw)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            minutes = DEFAULT_MUTE_MINUTES
        return cls(mute_minutes=minutes if minutes > 0 else DEFAULT_MUTE_MINUTES, parent=parent)

    def _load(self, sound: Path) -> None:
        if not sound.is_file():
            self._problem = self.tr("the alarm sound file {0} is missing").format(sound)
            return
        try:
            from PySide6.QtMultimedia import QMediaDevices, QSoundEffect
        except ImportError as err:  # Qt Multimedia or a system library it needs is not installed
            self._problem = self.tr("Qt Multimedia cannot load ({0})").format(err)
            return
        if not QMediaDevices.audioOutputs():
            self._problem = self.tr("this machine has no audio output")
            return
        effect = QSoundEffect(self)
        effect.setLoopCount(QSoundEffect.Loop.Infinite.value)
        effect.setSource(QUrl.fromLocalFile(str(sound)))
        self._effect = effect

    def _connect_signals(self) -> None:
        # the mute ends by itself
        self._mute_timer.timeout.connect(self._on_mute_timer_timeout)
        # a sound that fails to load or play degrades to the flag
        if self._effect is not None:
            self._effect.statusChanged.connect(self._on_effect_status_changed)

    # --- state --------------------------------------------------------------------------------------------

    @property
    def sounding(self) -> bool:
        """Audible alerts are waiting for acknowledgement (the flag shows, the sound plays unless muted)."""
        return bool(self._pending)

    @property
    def playing(self) -> bool:
        return self._effect is not None and bool(self._effect.isPlaying())

    @property
    def muted(self) -> bool:
        return self._mute_timer.isActive()

    @property
    def mute_remaining_ms(self) -> int:
        return self._mute_timer.remainingTime() if self.muted else 0

    @property
    def audio_problem(self) -> str | None:
        """Why this machine cannot sound the alarm, or None when it can."""
        return self._problem

    @property
    def pending(self) -> tuple[Alert, ...]:
        return tuple(self._pending.values())

    # --- the API the alert controller calls -------------------------------------------------------------

    def raise_for(self, alerts: Iterable[Alert]) -> None:
        """Tell the alarm the current state of these alerts (after a save, a tick or a sync): audible ones
        join the alarm; any of them no longer audible (acknowledged, resolved, lowered) leave it."""
        before = self.sounding
        for alert in alerts:
            if audible(alert):
                self._pending[alert.alert_id] = alert
            else:
                self._pending.pop(alert.alert_id, None)
        self._update(before)

    def acknowledged(self, alert_id: str) -> None:
        """An alert was acknowledged (on this machine or, after a sync, on another)."""
        before = self.sounding
        self._pending.pop(alert_id, None)
        self._update(before)

    def mute(self) -> None:
        """Silence the sound on this machine for the mute duration; the flag stays."""
        was = self.muted
        self._mute_timer.start()
        self._update(self.sounding)
        if not was:
            self.muted_changed.emit(True)

    def unmute(self) -> None:
        if not self.muted:
            return
        self._mute_timer.stop()
        self._update(self.sounding)
        self.muted_changed.emit(False)

    # --- internals ----------------------------------------------------------------------------------------

    def _update(self, before: bool) -> None:
        should_play = self.sounding and not self.muted and self._problem is None
        if self._effect is not None:
            if should_play and not self._effect.isPlaying():
                self._effect.play()
            elif not should_play and self._effect.isPlaying():
                self._effect.stop()
        if self.sounding != before:
            self.sounding_changed.emit(self.sounding)

    def _on_mute_timer_timeout(self) -> None:
        self._update(self.sounding)
        self.muted_changed.emit(False)

    def _on_effect_status_changed(self) -> None:
        from PySide6.QtMultimedia import QSoundEffect

        if self._effect.status() is QSoundEffect.Status.Error and self._problem is None:
            self._problem = self.tr("the alarm sound cannot be played on this machine")
            self._effect.stop()
            self.audio_unavailable.emit(self._problem)


class AlarmFlag(QLabel):
    """The visible face of the alarm: shown while audible alerts wait; says when the sound is muted (and
    for how long) or cannot play on this machine."""

    def __init__(self, alarm: Alarm, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._alarm = alarm
        self.setObjectName("alarmFlag")
        self.setWordWrap(True)
        self._connect_signals()
        self._render()

    def _connect_signals(self) -> None:
        # alarm state -> the text shown
        self._alarm.sounding_changed.connect(self._render)
        self._alarm.muted_changed.connect(self._render)
        self._alarm.audio_unavailable.connect(self._render)

    def _render(self, *_: object) -> None:
        alarm = self._alarm
        if not alarm.sounding:
            self.setText(
                self.tr("Alarm sound unavailable: {0}").format(alarm.audio_problem)
                if alarm.audio_problem
                else ""
            )
            self.setVisible(bool(alarm.audio_problem))
            return
        count = len(alarm.pending)
        text = self.tr("ALARM: %n high-priority alert(s) to acknowledge", "", count)
        if alarm.audio_problem:
            text += " — " + self.tr("no sound: {0}").format(alarm.audio_problem)
        elif alarm.muted:
            minutes = max(1, round(alarm.mute_remaining_ms / 60_000))
            text += " — " + self.tr("sound muted for %n min", "", minutes)
        self.setText(text)
        self.setVisible(True)

"""Test-wide setup: Qt runs offscreen unless --onscreen is given; sound goes to a silent sound server."""

from __future__ import annotations

import gc
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

_SOUND_SERVER: subprocess.Popen[bytes] | None = None
_SOUND_DIR: tempfile.TemporaryDirectory[str] | None = None


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--onscreen", action="store_true", help="show Qt windows on the real display")


@pytest.fixture(autouse=True)
def _collect_on_the_main_thread() -> Iterator[None]:
    """Once a test has installed the app's garbage collector (ui/collector.py: automatic collection
    off for the rest of the process), what the interpreter would have collected is collected after
    each test, on the main thread: in the later tests without a Qt event loop too (a ward left
    unclosed is a cycle holding an open file)."""
    yield
    if gc.isenabled() or "ui.collector" not in sys.modules:
        return
    from PySide6.QtCore import QCoreApplication

    from ui.collector import GuiCollector

    app = QCoreApplication.instance()
    collector = app.findChild(GuiCollector, "bedside_gui_collector") if app is not None else None
    if isinstance(collector, GuiCollector):
        collector.check()


def pytest_configure(config: pytest.Config) -> None:
    if not config.getoption("--onscreen"):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    _start_silent_sound_server()


def pytest_unconfigure(config: pytest.Config) -> None:
    global _SOUND_SERVER, _SOUND_DIR
    if _SOUND_SERVER is not None:
        _SOUND_SERVER.terminate()
        _SOUND_SERVER.wait(timeout=10)
        _SOUND_SERVER = None
    if _SOUND_DIR is not None:
        _SOUND_DIR.cleanup()
        _SOUND_DIR = None


def _start_silent_sound_server() -> None:
    """Qt Multimedia 6 plays through PulseAudio or PipeWire and has no dummy output of its own: the tests
    get a private PulseAudio with one null sink, so the alarm really plays, silently, and never on this
    machine's speakers. Without the pulseaudio program (see .ci/setup) the server address points nowhere
    and the tests that need a sound device skip."""
    global _SOUND_SERVER, _SOUND_DIR
    if "BEDSIDE_TEST_SOUND" in os.environ:  # a worker process of this run: already set up
        return
    _SOUND_DIR = tempfile.TemporaryDirectory(prefix="bedside-sound-")
    home = Path(_SOUND_DIR.name)
    socket = home / "native"
    os.environ["PULSE_SERVER"] = f"unix:{socket}"
    os.environ["QT_AUDIO_BACKEND"] = "pulseaudio"
    os.environ["BEDSIDE_TEST_SOUND"] = "none"
    program = shutil.which("pulseaudio")
    if program is None:
        return
    env = os.environ | {"HOME": str(home), "XDG_RUNTIME_DIR": str(home)}
    _SOUND_SERVER = subprocess.Popen(
        [
            program,
            "-n",
            "--daemonize=no",
            "--exit-idle-time=-1",
            "--use-pid-file=no",
            "--disable-shm=yes",
            "-F",
            "/dev/null",
            f"--load=module-native-protocol-unix auth-anonymous=1 socket={socket}",
            "--load=module-null-sink sink_name=bedside_silent",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while not socket.exists() and time.monotonic() < deadline and _SOUND_SERVER.poll() is None:
        time.sleep(0.05)
    if socket.exists():
        os.environ["BEDSIDE_TEST_SOUND"] = "silent-sink"

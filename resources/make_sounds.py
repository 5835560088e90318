"""Writes the alarm sound (resources/sounds/alarm_high.wav) with the standard library's `wave` module.

    python -m resources.make_sounds

The sound follows the shape of the IEC 60601-1-8 high-priority burst: ten pulses in two groups of 3 + 2,
a 440 Hz tone with four harmonics, then a pause; the alarm loops it until acknowledged. The output is
deterministic, so a test can check that the committed file is what this script writes.
"""

from __future__ import annotations

import math
import struct
import sys
import wave
from pathlib import Path

from resources import resource_path

RATE = 16_000  # Hz, mono, 16-bit
PULSE_S = 0.15
GAP_S = 0.10  # between pulses of a group
GROUP_GAP_S = 0.35  # between the 3 and the 2 of a group
BURST_GAP_S = 0.70  # between the two groups of five
PAUSE_S = 1.5  # after the burst, before the loop starts again
FUNDAMENTAL_HZ = 440.0
HARMONICS = (1.0, 0.6, 0.4, 0.3, 0.2)  # relative amplitude of 1st..5th harmonic
PEAK = 0.45  # of full scale


def _pulse() -> list[float]:
    n = int(PULSE_S * RATE)
    ramp = int(0.02 * RATE)  # 20 ms rise and fall: no clicks
    out = []
    total = sum(HARMONICS)
    for i in range(n):
        envelope = min(1.0, i / ramp, (n - 1 - i) / ramp)
        t = i / RATE
        tone = sum(
            a * math.sin(2 * math.pi * FUNDAMENTAL_HZ * (k + 1) * t)
            for k, a in enumerate(HARMONICS)
        )
        out.append(PEAK * envelope * tone / total)
    return out


def _silence(seconds: float) -> list[float]:
    return [0.0] * int(seconds * RATE)


def samples() -> list[float]:
    pulse = _pulse()
    group: list[float] = []
    for i, count in enumerate((3, 2)):
        for k in range(count):
            group += pulse
            if k < count - 1:
                group += _silence(GAP_S)
        if i == 0:
            group += _silence(GROUP_GAP_S)
    return group + _silence(BURST_GAP_S) + group + _silence(PAUSE_S)


def write(path: Path) -> None:
    frames = b"".join(struct.pack("<h", round(s * 32767)) for s in samples())
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(frames)


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else resource_path("sounds", "alarm_high.wav")
    write(target)
    print(target)

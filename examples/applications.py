"""A smart city of three applications on two edge servers and a cloud: traffic management on video, environmental
monitoring on sensor series, public safety on camera frames, each with its own models, requirements and privacy.

    PYTHONPATH=src python examples/applications.py      # or, installed: python examples/applications.py

The accuracy curves below are ILLUSTRATIVE, not measurements: replace them with your models' measured tables
(``AccuracyCurve.from_csv``).
"""
from __future__ import annotations

import numpy as np

import edgesched as es
from edgesched.physics.accuracy import AccuracyCurve, default_curve
from edgesched.physics.hardware import MB, Hardware
from edgesched.pipeline import Application, Cloud, Pipeline, Privacy, SensorInput, VideoInput


def illustrative(frames: list[int], accuracy: list[float], name: str) -> AccuracyCurve:
    return AccuracyCurve(frames, accuracy, f"illustrative:{name}")


def city_applications() -> list[Application]:
    video = default_curve()  # accuracy against frames per clip, illustrative
    traffic = Application(
        "traffic",
        [es.ModelVariant("r3d_18", video, bits=8),
         es.ModelVariant("r2plus1d_18", AccuracyCurve(video.frames, np.minimum(video.accuracy + 0.01, 1), "r2+1d")),
         es.ModelVariant("mobilenet_v2_tavg", AccuracyCurve(video.frames, video.accuracy - 0.03, "mnv2"),
                         name="mobilenet_v2_tavg/distilled")],
        VideoInput(112, 112, frame_rate=25.0), alpha=0.85, deadline=2.0,
        privacy=Privacy(raw="edge", features="edge"))  # video stays with the city's own servers
    sensors = Application(
        "sensors",
        [es.ModelVariant("lstm_sensor", illustrative([15, 30, 45, 60], [0.80, 0.86, 0.90, 0.92], "lstm")),
         es.ModelVariant("gru_sensor", illustrative([15, 30, 45, 60], [0.78, 0.85, 0.88, 0.90], "gru"), bits=8)],
        SensorInput(window=60, channels=8, bits_per_sample=8 * 16, sample_rate=1 / 60), alpha=0.85)
    safety = Application(
        "safety",
        [es.ModelVariant("resnet18_tavg", illustrative([1, 2, 4, 8], [0.82, 0.86, 0.90, 0.92], "resnet18"), bits=8),
         es.ModelVariant("mobilenet_v2_tavg", illustrative([1, 2, 4, 8], [0.78, 0.83, 0.88, 0.90], "mnv2"), bits=8)],
        VideoInput(224, 224, frame_rate=15.0), alpha=0.88, deadline=0.5,
        privacy=Privacy(raw="device", features="edge"))  # faces never leave the camera; features not to the cloud
    return [traffic, sensors, safety]


def main() -> None:
    rng = np.random.default_rng(7)
    traffic, sensors, safety = apps = city_applications()
    servers = [es.HARDWARE["edge_cpu"], es.HARDWARE["edge_gpu"]]
    pipe = Pipeline(servers=servers, cloud=Cloud(es.HARDWARE["cloud_gpu"], backhaul_rate=1e9, rtt=0.04),
                    applications=apps)

    def rates() -> list[float]:  # uplink rate to each station, bit/s
        return list(np.exp(rng.uniform(np.log(5e6), np.log(8e7), len(servers))))

    # an int8 smart camera whose 16 MB hold part of a video model, not all of it (illustrative figures)
    camera = Hardware.from_power("camera", "asic", {"int8": 2e-4}, 8e8, 1.0, memory_bits=16 * MB)
    cameras = [es.HARDWARE["cpu"], es.HARDWARE["fpga"], camera]
    devices = [traffic.device(cameras[rng.integers(3)], rates(), 0.2) for _ in range(24)]
    devices += [sensors.device(es.HARDWARE[rng.choice(["cpu", "asic"])], rates(), 0.05) for _ in range(16)]
    devices += [safety.device(cameras[rng.choice([0, 2])], rates(), 0.2) for _ in range(10)]
    devices.append(safety.device(es.HARDWARE["cpu"], rates(), 0.2, alpha=0.9, deadline=0.2,  # a stricter site
                                 privacy=Privacy(raw="device", features="device")))

    result = pipe.solve(devices)
    print(f"{len(devices)} devices, total cost {result.cost:.4f}, gap <= {result.gap:.1e}\n")
    print(result.applications_table(), "\n")
    print("\n".join(result.table().splitlines()[:6]), "\n...\n")
    for n in (0, 24, 40, len(devices) - 1):  # one device of each application, and the strict site
        print(result.explain(n, limit=3), "\n")


if __name__ == "__main__":
    main()

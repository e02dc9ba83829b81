"""Sample data for demo mode: loaded once into an empty hotline, said out loud."""

from __future__ import annotations

import os
import time
from typing import Any

from hotline import keys as hotline_keys
from hotline.directory import importer as directory_import
from hotline.people import rota, volunteers
from hotline.programmes import store as programmes

SAMPLE_DIRECTORY = "directory.sample.csv"
SAMPLE_ROTA = "oncall.sample.yaml"
SAMPLE_PROGRAMMES = "programmes.sample.yaml"

# Sample volunteers (made-up numbers) matching the sample rota.
SAMPLE_VOLUNTEERS = [
    ("Demo volunteer Kim", "+821011110001", ("ko", "en")),
    ("Demo volunteer Lee", "+821011110002", ("ko",)),
    ("Demo volunteer Park", "+821011110003", ("ko", "en")),
    ("Demo volunteer Choi", "+821011110004", ("ko",)),
]


def load_samples(app: Any) -> list[str]:
    """Load the sample directory, volunteers and rota where none exist; return what was done."""
    runtime = app.extensions["hotline"]
    conn, config = runtime.redis, runtime.config
    scripts_dir = config.scripts_dir
    done: list[str] = []
    directory_file = os.path.join(scripts_dir, SAMPLE_DIRECTORY)
    if os.path.exists(directory_file) and directory_import.load_if_empty(
            conn, hotline_keys.prefix(config), directory_file):
        done.append(f"Directory: loaded the sample data from {directory_file}")
    if not volunteers.all_volunteers(conn, config):
        for name, phone, languages in SAMPLE_VOLUNTEERS:
            volunteers.add(conn, config, name, phone, languages)
        done.append(f"Volunteers: added {len(SAMPLE_VOLUNTEERS)} sample volunteers "
                    f"(hotline volunteers list)")
    rota_file = os.path.join(scripts_dir, SAMPLE_ROTA)
    if os.path.exists(rota_file) and rota.load_rota(conn, config) is None:
        with open(rota_file, encoding="utf-8") as handle:
            rota.import_rota(conn, config, handle.read(), rota_file, time.time(),
                             rota.resolver(conn, config))
        done.append(f"On-call rota: loaded {rota_file} (hotline oncall show)")
    programmes_file = os.path.join(scripts_dir, SAMPLE_PROGRAMMES)
    if os.path.exists(programmes_file) and programmes.load_if_empty(conn, config,
                                                                    programmes_file):
        done.append(f"Programmes: loaded {programmes_file} (hotline programmes list)")
    return done


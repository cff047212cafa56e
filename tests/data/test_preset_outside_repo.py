"""A data preset kept outside the repository: Chinese column names and priority labels, which
Hydra's command-line grammar cannot take as keys, live in the user's own ``data/<name>.yaml``."""

import json
import subprocess
import sys

import pandas as pd

from tests.conftest import ROOT
from ticket_triage.data.prepare import prepare_dataset

PRIORITIES = {"低": 0.1, "中": 0.4, "高": 0.7, "紧急": 1.0}
PROBLEMS = [
    ("无法登录系统", "用户反映输入密码后页面一直转圈"),
    ("发票金额错误", "三月份的发票重复收取了服务费"),
    ("打印机卡纸", "三楼的打印机每打印一页就卡纸"),
    ("网络连接很慢", "会议室的无线网络经常断开"),
]
DEPARTMENTS = ["技术部", "财务部"]


def write_export(path, codec="utf-8"):
    labels = list(PRIORITIES)
    lines = ["编号,标题,描述,部门,优先级"]
    for i in range(40):
        title, body = PROBLEMS[i % len(PROBLEMS)]
        lines.append(f"T{i},{title}（{i}）,{body}，编号{i},{DEPARTMENTS[i % 2]},{labels[i % 4]}")
    path.write_bytes(("\n".join(lines) + "\n").encode(codec))


def write_preset(presets, export):
    """The user's preset: the csv preset's keys, then their own mapping on top."""
    (presets / "data").mkdir(parents=True)
    mapping = "\n".join(f"  {label}: {score}" for label, score in PRIORITIES.items())
    (presets / "data" / "my_export.yaml").write_text(
        "# Our helpdesk's export. Use: --config-dir <this folder> data=my_export\n"
        "defaults:\n"
        "  - csv\n"
        "  - _self_\n"
        "\n"
        f"path: {export}\n"
        "columns:\n"
        "  ticket_id: 编号\n"
        "  title: 标题\n"
        "  body: 描述\n"
        "  tags: null\n"
        "  priority: 优先级\n"
        "  department: 部门\n"
        f"priority_map:\n{mapping}\n",
        encoding="utf-8",
    )


def assert_prepared_with_mapped_priorities(data_dir, expected_encoding):
    report = json.loads((data_dir / "prepared/report.json").read_text(encoding="utf-8"))
    assert report["encoding"] == expected_encoding
    assert (report["rows_in"], report["rows_kept"], report["rows_rejected"]) == (40, 40, 0)
    train = pd.read_parquet(data_dir / "prepared/train.parquet")
    assert set(train["priority"].astype(float).round(2)) == set(PRIORITIES.values())
    assert set(train["department"]) == set(DEPARTMENTS)
    assert train["title"].str.contains("（").all()
    departments = (data_dir / "prepared/departments.txt").read_text(encoding="utf-8").split()
    assert sorted(departments) == sorted(DEPARTMENTS)


def test_config_dir_preset_from_the_command_line(tmp_path):
    """``--config-dir`` adds the user's folder to Hydra's search path: ``data=my_export`` works."""
    export = tmp_path / "工单导出.csv"
    write_export(export)
    write_preset(tmp_path / "presets", export)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pipelines.prepare",
            "--config-dir",
            str(tmp_path / "presets"),
            "data=my_export",
            f"paths.data_dir={tmp_path}/data",
            f"hydra.run.dir={tmp_path}/h",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert_prepared_with_mapped_priorities(tmp_path / "data", "utf-8")


def test_searchpath_preset_with_a_gb18030_export(prepare_config, tmp_path):
    """``hydra.searchpath`` does the same as an override; Chinese Excel writes GB18030 (GBK)."""
    export = tmp_path / "export.csv"
    write_export(export, "gb18030")
    write_preset(tmp_path / "presets", export)
    cfg = prepare_config("data=my_export", f"hydra.searchpath=[file://{tmp_path}/presets]")
    assert cfg.data.format == "auto"  # inherited from the csv preset
    prepare_dataset(cfg)
    assert_prepared_with_mapped_priorities(tmp_path / "data", "gb18030")

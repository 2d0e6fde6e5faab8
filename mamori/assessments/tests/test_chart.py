"""The section chart is well-formed SVG, one bar per section, sized by percent, escaped."""

from __future__ import annotations

import dataclasses
import datetime as dt

from lxml import etree

from mamori.assessments.chart import BAR_WIDTH, section_chart_svg
from mamori.assessments.model import Text
from mamori.assessments.questionnaire import load_all
from mamori.assessments.scoring import score

SVG = "{http://www.w3.org/2000/svg}"
TODAY = dt.date(2026, 11, 22)


def parse(svg: str) -> etree._Element:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    return etree.fromstring(svg.encode(), parser)


def ipa_result(**overrides: str):
    answers = {q.id: "done" for q in load_all()["ipa_basic"].questions}
    answers.update(overrides)
    return score(load_all()["ipa_basic"], answers, today=TODAY)


def test_one_bar_per_section_sized_by_percent() -> None:
    result = ipa_result(b01_updates="not_done", b02_antivirus="not_done")  # basic: 12/20 = 60%
    root = parse(section_chart_svg(result, "ja"))
    bars = root.findall(f".//{SVG}rect[@class='bar']")
    assert len(bars) == 3
    assert [float(b.get("width")) for b in bars] == [BAR_WIDTH * 0.6, BAR_WIDTH, BAR_WIDTH]
    groups = root.findall(f"{SVG}g")
    assert [g.get("data-section") for g in groups] == ["basic", "staff", "org"]
    assert groups[0].get("class") == "section section-fair"
    assert root.find(f"{SVG}title").text == "分野別の得点"


def test_labels_follow_the_language_and_are_escaped() -> None:
    result = ipa_result()
    english = parse(section_chart_svg(result, "en"))
    assert english.find(f"{SVG}title").text == "Score by section"
    texts = [t.text for t in english.iter(f"{SVG}text")]
    assert any(t.startswith("Part 1") for t in texts)
    hostile = dataclasses.replace(
        result,
        sections=(
            dataclasses.replace(result.sections[0], title=Text("<b>&危険", "<b>&bad")),
            *result.sections[1:],
        ),
    )
    svg = section_chart_svg(hostile, "ja")
    assert "<b>" not in svg and "&lt;b&gt;&amp;危険" in svg
    parse(svg)


def test_previous_result_adds_a_marker_per_section() -> None:
    before = ipa_result(b01_updates="not_done")
    after = ipa_result()
    root = parse(section_chart_svg(after, "ja", previous=before))
    markers = root.findall(f".//{SVG}line[@class='previous']")
    assert len(markers) == 3
    assert float(markers[0].get("x1")) < float(markers[1].get("x1"))


def test_negative_totals_draw_an_empty_bar() -> None:
    answers = {q.id: "unknown" for q in load_all()["ipa_basic"].questions}
    result = score(load_all()["ipa_basic"], answers, today=TODAY)
    root = parse(section_chart_svg(result))
    assert {b.get("width") for b in root.findall(f".//{SVG}rect[@class='bar']")} == {"0.0"}

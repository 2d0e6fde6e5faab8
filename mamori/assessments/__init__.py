"""Self-assessment questionnaires: content loader, scoring engine and policy drafts.

Pure Python (no Django imports), so it can be tested and fuzzed alone; the Django models, views
and reports call into it:

- ``questionnaire.load_all() -> dict[id, Questionnaire]`` (YAML under
  ``content/questionnaires/``; ``validate(data) -> list[Problem]``, ``parse(data)``);
- ``scoring.score(questionnaire, answers, today=) -> Result`` (total, max, percent, band, per
  section, weak answers weakest first with stable finding keys, unanswered, problems);
  ``Result.as_dict()`` / ``Result.from_dict()`` to keep a completed assessment;
- ``scoring.compare(before, after) -> Comparison`` (improved / worsened, resolved / new finding
  keys, per-section deltas);
- ``scoring.merge(answer_sets, questionnaire, owner=) -> MergeResult`` (several members' answers
  merged, conflicts listed);
- ``security_action.security_action_level(basic_measures, assessment_done, policy_in_place)``;
- ``policy.draft_policy(org_name, answers_by_questionnaire) -> PolicyDraft`` with
  ``render_text`` and ``render_word_html``;
- ``chart.section_chart_svg(result, lang, previous=)`` for the per-section chart.
"""

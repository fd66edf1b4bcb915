"""/admin/review as an admin uses it: filtered by why, where, topic and period, a page at a time."""

from datetime import UTC, datetime, timedelta

from tests.staff_app import log_in


def test_the_review_page_filters_by_reason_channel_topic_and_period_and_pages(app, client):
    from app.staff.admin import REVIEW_PAGE

    review = app.extensions["voicebot"].review()
    day = datetime(2026, 11, 20, 10, tzinfo=UTC)
    review.add("hvad med min kanin", "none", None, day, "web")
    review.add("mit pas er væk tror jeg", "rejected_answer", "pas", day, "phone")
    for i in range(REVIEW_PAGE + 3):
        text = f"ord{i}a ord{i}b ord{i}c"  # each its own group
        review.add(text, "none", None, day - timedelta(days=10), "phone")
    log_in(client)

    def shown(query=""):
        page = client.get("/admin/review" + query)
        assert page.status_code == 200
        text = page.get_data(as_text=True)
        rows = text.split('class="item"')[1:]
        return text, [row.split("<td>")[1].split("<br>")[0] for row in rows]

    _, rows = shown("?reason=rejected_answer")
    assert rows == ["mit pas er væk tror jeg"]
    _, rows = shown("?channel=web")
    assert rows == ["hvad med min kanin"]
    _, rows = shown("?topic=" + app.extensions["voicebot"].library.current().intents["pas"].topic)
    assert rows == ["mit pas er væk tror jeg"]
    _, rows = shown("?since=2026-11-15")
    assert sorted(rows) == ["hvad med min kanin", "mit pas er væk tror jeg"]
    first, rows = shown()
    assert len(rows) == REVIEW_PAGE and "Side 1 af 2" in first and "Næste side" in first
    second, rows = shown("?side=2")
    assert len(rows) == 5 and "Forrige side" in second
    assert shown("?side=abc&since=i%20går")[1] == shown()[1]  # nonsense is ignored, never a 500

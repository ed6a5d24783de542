from tongzhou.core.errors import Conflict, InvalidInput


def test_an_error_said_within_a_context_keeps_its_class_code_and_status_and_adds_details():
    original = InvalidInput(
        "该月已结账。", "The month is closed.", code="period_closed", details={"field": "on"}
    )
    said = original.within("村集体的账簿：", "The collective's books: ", receiver=7)
    assert type(said) is InvalidInput and said.code == "period_closed" and said.http_status == 400
    assert said.message_zh == "村集体的账簿：该月已结账。"
    assert said.message_en == "The collective's books: The month is closed."
    assert said.details == {"field": "on", "receiver": 7}
    assert str(said) == "村集体的账簿：该月已结账。 / The collective's books: The month is closed."
    assert original.message_en == "The month is closed." and original.details == {"field": "on"}


def test_details_that_are_not_a_mapping_are_kept_under_error():
    said = Conflict("冲突。", "Conflict.", details=["row 2"]).within("甲：", "A: ", body=1)
    assert said.details == {"error": ["row 2"], "body": 1} and said.http_status == 409

"""Two questions in one message (bot/core/faq_topics.py): which is answered first, which after."""
from bot.core.faq_topics import SEGMENT_CONFIDENCE, first_asked, other_questions

TEXT = "do you take aetna? and how fast could i get in"
SURE = {"do you take aetna": ["insurance", 0.9], "how fast could i get in": ["start_date", 0.8]}


def test_the_question_asked_first_is_answered_first_and_the_other_after():
    assert first_asked(TEXT, "start_date", SURE) == "insurance"
    assert other_questions(TEXT, "insurance", SURE) == (["start_date"], 0)


def test_the_model_s_choice_stands_when_it_already_is_the_first_or_the_first_is_unsure():
    assert first_asked(TEXT, "insurance", SURE) is None
    unsure = {**SURE, "do you take aetna": ["insurance", SEGMENT_CONFIDENCE - 0.01]}
    assert first_asked(TEXT, "start_date", unsure) is None


def test_one_question_or_a_main_topic_no_later_segment_asks_about_is_left_alone():
    assert first_asked("do you take aetna", "cost", {"do you take aetna": ["insurance", 0.9]}) is None
    assert first_asked(TEXT, "cost", SURE) is None  # no later segment is about cost: not a reordering


def test_a_long_story_is_also_read_by_its_question_sentences():
    from bot.core.faq_topics import FOCUS_WORDS, question_focus

    story = ("My wife has bipolar disorder and she has been using alcohol to cope with the low stretches for years. "
             "Her psychiatrist manages her medication and she is stable now. Would she be in a group that "
             "understands that? And is there a therapist who knows both?")
    assert len(story.split()) >= FOCUS_WORDS
    assert question_focus(story) == ("Would she be in a group that understands that? "
                                      "And is there a therapist who knows both?")
    assert question_focus("how much does it cost?") is None  # short: the whole message is the question
    assert question_focus(" ".join(["word"] * FOCUS_WORDS)) is None  # no question sentence in it

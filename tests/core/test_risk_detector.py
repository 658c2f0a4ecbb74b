"""Focused behaviours of the deterministic risk detector (bot/core/risk/detector.py + rules.yml).

Every message here is written for this file: none is in tests/risk/corpus.yml, fresh.yml or fresh2.yml.
The corpus test measures recall and false positives in bulk; these cases pin down the behaviours that
matter one by one, so a rule change that breaks one of them says which.
"""
from pathlib import Path

import pytest

from bot.core.risk.detector import RiskDetector, Verdict


def case(text, id_, **expected):
    return pytest.param(text, expected, id=id_)


def check(verdict: Verdict, expected: dict) -> None:
    for key, value in expected.items():
        got = getattr(verdict, key)
        assert got == value, f"{key}: expected {value!r}, got {got!r} ({verdict.as_dict()})"


# ---------------------------------------------------------------- slang and algospeak
@pytest.mark.parametrize("text, expected", [
    case("ngl i might kms this weekend", "kms", is_risk=True, category="suicide", subject="self"),
    case("been thinking about unaliving myself a lot", "unalive", is_risk=True, category="suicide"),
    case("lowkey considering the sewer slide option", "sewer-slide", is_risk=True, category="suicide"),
    case("ive thought about ctb every day this month", "ctb", is_risk=True, category="suicide"),
    case("s/h urges are through the roof tonight", "s-slash-h", is_risk=True, category="self_harm"),
    case("relapsed on sh after 3 months", "sh-relapse", is_risk=True, category="self_harm"),
    case("i think my cousin od'd in the car", "od-apostrophe-d", is_risk=True, category="overdose"),
])
def test_slang(detector, text, expected):
    check(detector.detect(text), expected)


# ---------------------------------------------------------------- misspellings and texting shorthand
@pytest.mark.parametrize("text, expected", [
    case("im so sucidal agian", "sucidal", is_risk=True, category="suicide"),
    case("suicidle thoughts wont leave me alone", "suicidle", is_risk=True, category="suicide"),
    case("i wanna kil my self", "kil-my-self", is_risk=True, category="suicide"),
    case("i think i overdoes on my perc", "overdoes", is_risk=True, category="overdose"),
    case("i took to many pils", "to-many-pils", is_risk=True, category="overdose"),
    case("cant breath n my lips r tingling", "cant-breath", is_risk=True, category="medical_emergency"),
    case("day 3 no booze and im shakin so hard", "dropped-g", is_risk=True,
         category="withdrawal_danger"),
    case("gonna hurt myself rn", "gonna-rn", is_risk=True, category="self_harm"),
])
def test_misspellings(detector, text, expected):
    check(detector.detect(text), expected)


# ---------------------------------------------------------------- emoji
@pytest.mark.parametrize("text, expected", [
    case("💊💊💊💊💊", "pill-emoji-row", is_risk=True, category="suicide"),
    case("💊💊 bye everyone", "pill-emoji-goodbye", is_risk=True, category="suicide"),
    case("😭😭 cant keep doing this", "sob-emoji-despair", is_risk=True, category="suicide"),
    case("**kms**", "markdown-around-slang", is_risk=True, category="suicide"),
    case("lol that meme 😂", "laughing-emoji-alone", is_risk=False),
])
def test_emoji(detector, text, expected):
    check(detector.detect(text), expected)


# ---------------------------------------------------------------- indirect statements
@pytest.mark.parametrize("text, expected", [
    case("i wont be around next week so it doesnt matter", "wont-be-around-next-week",
         is_risk=True, category="suicide"),
    case("the world would be better off if i vanished", "better-off-without-me",
         is_risk=True, category="suicide"),
    case("pretty sure my family would be happier if i was dead", "happier-if-dead", is_risk=True, category="suicide"),
    case("been giving away all my things to friends this week", "giving-things-away",
         is_risk=True, category="suicide", urgency="imminent"),
    case("how many advil would kill a person", "lethal-dose-question", is_risk=True, category="suicide",
         urgency="imminent"),
    case("whats the lethal amount of benadryl", "lethal-amount", is_risk=True, category="suicide"),
    case("i keep googling painless ways to die", "method-search", is_risk=True, category="suicide"),
    case("theres no point anymore", "no-point", is_risk=True, category="suicide"),
    case("i just want it all to stop forever", "want-it-to-stop", is_risk=True, category="suicide"),
    case("i wont be around next week, im on a trip with my sister", "away-for-a-reason", is_risk=False),
])
def test_indirect_statements(detector, text, expected):
    check(detector.detect(text), expected)


# ---------------------------------------------------------------- risk buried in a long message
FILLER = ("so i wanted to ask about the evening track because my shift at the warehouse moved and i am not "
          "sure if tuesdays still work for me, also my insurance card says something about prior auth. ")


@pytest.mark.parametrize("tail, expected", [
    case("i took 30 of my sleeping pills an hour ago", "overdose-at-end", is_risk=True, category="overdose",
         urgency="imminent"),
    case("lately ive been making plans to kill myself", "plan-at-end", is_risk=True, category="suicide",
         urgency="imminent"),
    case("thanks for reading all this", "nothing-at-end", is_risk=False),
])
def test_risk_at_the_end_of_a_long_message(detector, tail, expected):
    text = FILLER * (3000 // len(FILLER) + 1) + tail
    assert len(text) > 3000
    check(detector.detect(text), expected)


# ---------------------------------------------------------------- someone else at risk
@pytest.mark.parametrize("text, expected", [
    case("my brother just told me hes going to kill himself tonight", "brother-suicidal",
         is_risk=True, category="suicide", subject="other", urgency="imminent"),
    case("my girlfriend swallowed a whole bottle of her xanax", "girlfriend-overdose",
         is_risk=True, category="overdose", subject="other"),
    case("my boyfriend isnt breathing, how do i give him narcan", "narcan-for-boyfriend",
         is_risk=True, category="overdose", subject="other", urgency="imminent"),
    case("my roommate is having a seizure and wont stop shaking", "roommate-seizure",
         is_risk=True, category="medical_emergency", subject="other"),
    case("my 14 yo daughter is cutting herself", "daughter-self-harm", is_risk=True, category="self_harm",
         subject="other"),
    case("my husband quit drinking and is hallucinating", "husband-withdrawal", is_risk=True,
         category="withdrawal_danger", subject="other"),
    case("grandpas face looks droopy on the left side", "grandpa-stroke", is_risk=True, category="medical_emergency",
         subject="other"),
    case("my stepdad is beating my mom right now", "witnessed-violence", is_risk=True, category="violence",
         subject="other", urgency="imminent"),
    case("my moms boyfriend touches my little sister", "sister-abused", is_risk=True, category="abuse",
         subject="other"),
])
def test_someone_else(detector, text, expected):
    check(detector.detect(text), expected)


@pytest.mark.parametrize("text, expected", [
    case("a guy at the meeting pulled a knife on me", "victim-is-writer", category="violence", subject="self"),
    case("my landlord keeps my id and wont let me leave", "coerced-writer", category="abuse", subject="self"),
    case("i pick at my skin until it bleeds", "writer-not-it", category="self_harm", subject="self"),
])
def test_writer_is_the_one_at_risk(detector, text, expected):
    check(detector.detect(text), expected)


# ---------------------------------------------------------------- urgency
@pytest.mark.parametrize("text, expected", [
    case("i have a plan to end my life this friday", "plan", category="suicide", urgency="imminent"),
    case("i have the pills lined up on the table", "means-ready", category="suicide", urgency="imminent"),
    case("loaded my rifle and im sitting in the truck", "loaded-gun", category="suicide", urgency="imminent"),
    case("im going to end my life tonight", "timing", category="suicide", urgency="imminent"),
    case("i took 20 tylenol an hour ago", "overdose-in-progress", category="overdose", urgency="imminent"),
    case("my mom took all her pills and wont wake up", "unresponsive", category="overdose", urgency="imminent"),
    case("im detoxing alone at home and my hands are shaking so bad", "withdrawal-now",
         category="withdrawal_danger", urgency="imminent"),
    case("sometimes i wish i could just disappear", "passive-wish", category="suicide", urgency="urgent"),
    case("going to stop my klonopin on my own", "plan-to-stop-benzos", category="withdrawal_danger",
         urgency="urgent"),
])
def test_urgency(detector, text, expected):
    check(detector.detect(text), {"is_risk": True, **expected})


# ---------------------------------------------------------------- must NOT fire
@pytest.mark.parametrize("text", [
    pytest.param("im dying to know when intake starts", id="idiom-dying-to-know"),
    pytest.param("ugh the waiting is killing me haha", id="idiom-waiting-killing-me"),
    pytest.param("my knees are killing me after that shift", id="idiom-body-part"),
    pytest.param("my sponsor would kill me if she saw this lol", id="idiom-sponsor-would-kill-me"),
    pytest.param("nearly had a heart attack opening the copay letter", id="idiom-heart-attack"),
    pytest.param("i overdid it at the gym lol", id="idiom-overdid"),
    pytest.param("how do i cut back on drinking without detox", id="idiom-cut-back"),
    pytest.param("my phones about to die, call me later", id="idiom-phone-dying"),
    pytest.param("my heart stopped when I saw the pharmacy bill", id="idiom-heart-stopped-bill"),
    pytest.param("Which T stop is closest to you? Red Line?", id="red-line-the-subway"),
])
def test_idioms_do_not_fire(detector, text):
    verdict = detector.detect(text)
    assert not verdict.is_risk, verdict.as_dict()


@pytest.mark.parametrize("text", [
    pytest.param("i'm not suicidal, just really stressed about money", id="not-suicidal"),
    pytest.param("never been suicidal, i just want help with my drinking", id="never-suicidal"),
    pytest.param("zero thoughts of harming myself or others", id="no-thoughts"),
    pytest.param("i dont think im suicidal, just worn out", id="dont-think-suicidal"),
    pytest.param("nope, no seizures and no shakes", id="no-seizures"),
    pytest.param("i would never hurt my kids", id="never-hurt-kids"),
    pytest.param("he's anxious, but nothing like hearing voices, and no hospital stays", id="nothing-like"),
])
def test_negations_do_not_fire(detector, text):
    verdict = detector.detect(text)
    assert not verdict.is_risk, verdict.as_dict()


@pytest.mark.parametrize("text, expected", [
    case("im not ok i want to die", "not-ok-then-disclosure", is_risk=True, category="suicide"),
    case("nobody knows im suicidal", "nobody-knows", is_risk=True, category="suicide"),
    case("my legs cant stop shaking and its day 2 off the bottle", "cant-stop-is-not-negation",
         is_risk=True, category="withdrawal_danger"),
    case("i dont want to live like this anymore", "negation-inside-the-phrase", is_risk=True, category="suicide"),
    case("i feel nothing but the urge to kill myself", "nothing-but-affirms", is_risk=True, category="suicide"),
    case("nothing like that, but i am hearing voices right now", "nothing-like-ends-at-the-clause",
         is_risk=True, category="withdrawal_danger"),
])
def test_negation_does_not_hide_a_disclosure(detector, text, expected):
    check(detector.detect(text), expected)


@pytest.mark.parametrize("text", [
    "there's a red line going up my arm from where i shoot",
    "red streaks on my leg near the abscess and chills",
    "the red lines are spreading toward his shoulder",
])
def test_red_streaks_from_a_wound_are_a_medical_emergency(detector, text):
    verdict = detector.detect(text)
    assert verdict.is_risk and verdict.category == "medical_emergency", verdict.as_dict()


@pytest.mark.parametrize("text", [
    pytest.param("my grandfather died from an overdose back in 2009", id="grandfather-overdose-2009"),
    pytest.param("my cousin overdosed a long time ago, shes doing fine now", id="cousin-long-ago"),
    pytest.param("i had a withdrawal seizure years ago, thats why i want a medical detox", id="own-seizure-years-ago"),
    pytest.param("i used to cut when i was a teenager", id="used-to-cut-as-teen"),
    pytest.param("my ex used to hit me years ago but im safe now", id="past-abuse-resolved"),
])
def test_resolved_past_does_not_fire(detector, text):
    verdict = detector.detect(text)
    assert not verdict.is_risk, verdict.as_dict()


@pytest.mark.parametrize("text, expected", [
    case("i overdosed in 2019 and again an hour ago", "recent-beats-past", is_risk=True, category="overdose"),
    case("im gonna shoot up that store i used to work at", "used-to-after-the-phrase", is_risk=True,
         category="violence"),
    case("i was raped years ago and i still cant sleep", "sexual-assault-counts-in-the-past", is_risk=True,
         category="abuse"),
])
def test_past_markers_that_do_not_clear(detector, text, expected):
    check(detector.detect(text), expected)


@pytest.mark.parametrize("text", [
    pytest.param("do you guys help people who've had suicidal thoughts?", id="suicidal-thoughts-question"),
    pytest.param("do you offer groups for people who self harm", id="self-harm-groups"),
    pytest.param("is benzo withdrawal dangerous?", id="withdrawal-danger-question"),
    pytest.param("do you teach families what to do in an overdose", id="overdose-training"),
    pytest.param("hi, do you work with sexual assault survivors?", id="survivors-question"),
])
def test_program_questions_are_a_mention_not_an_alarm(detector, text):
    verdict = detector.detect(text)
    assert not verdict.is_risk and verdict.mention, verdict.as_dict()


@pytest.mark.parametrize("text, expected", [
    case("do you take cigna? swallowed like 15 of my klonopin", "question-then-disclosure", is_risk=True,
         category="overdose"),
    case("can you help, he is not breathing", "help-request-is-not-a-program-question", is_risk=True,
         category="overdose", subject="other", urgency="imminent"),
    case("does iop help with my suicidal thoughts?", "own-thoughts-in-a-question", is_risk=True,
         category="suicide"),
])
def test_questions_that_are_disclosures(detector, text, expected):
    check(detector.detect(text), expected)


@pytest.mark.parametrize("text", [
    pytest.param("what time is the thursday group", id="faq-time"),
    pytest.param("about 8 beers a night on weekdays", id="screening-drinks"),
    pytest.param("i take 2 of my klonopin at night like my doctor said", id="screening-prescribed"),
    pytest.param("i have a plan to stay sober this weekend", id="plan-to-stay-sober"),
    pytest.param("is there a number for the nurse", id="number-is-not-numb"),
    pytest.param("i feel numb most days", id="emotional-numbness"),
])
def test_ordinary_messages_do_not_fire(detector, text):
    verdict = detector.detect(text)
    assert not verdict.is_risk, verdict.as_dict()


# ---------------------------------------------------------------- ordinary messages that once tripped a rule
@pytest.mark.parametrize("text", [
    pytest.param("disregard my last message", id="disregard-last-message"),
    pytest.param("pls ignore my last text, wrong chat", id="ignore-last-text"),
    pytest.param("how much time per week does it take", id="time-per-week"),
    pytest.param("how many hours a day does it take", id="hours-a-day"),
])
def test_ordinary_uses_of_goodbye_and_means_words(detector, text):
    verdict = detector.detect(text)
    assert not verdict.is_risk, verdict.as_dict()


@pytest.mark.parametrize("text, expected", [
    case("this is my last message. goodbye everyone", "this-is-my-last-message", is_risk=True, category="suicide",
         urgency="imminent"),
    case("how many of my seroquel would it take", "how-many-would-it-take", is_risk=True, category="suicide"),
    case("whats the most advil you can take before its lethal", "before-its-lethal", is_risk=True,
         category="suicide"),
])
def test_goodbyes_and_means_seeking_still_fire(detector, text, expected):
    check(detector.detect(text), expected)


@pytest.mark.parametrize("text", [
    pytest.param("is there someone to talk to if i get suicidal thoughts later", id="someone-if-i-get-thoughts"),
    pytest.param("can i call you guys in case i feel suicidal some night", id="in-case-i-feel-suicidal"),
])
def test_a_hypothetical_about_oneself_is_a_program_question(detector, text):
    verdict = detector.detect(text)
    assert not verdict.is_risk and verdict.mention, verdict.as_dict()


@pytest.mark.parametrize("text, expected", [
    case("what if i want to kill myself tonight?", "what-if-tonight", is_risk=True, category="suicide",
         urgency="imminent"),
    case("is there someone to talk to if i get suicidal, i have the pills in my hand", "if-with-means-at-hand",
         is_risk=True, category="suicide"),
])
def test_a_hypothetical_with_timing_or_means_is_a_disclosure(detector, text, expected):
    check(detector.detect(text), expected)


# ---------------------------------------------------------------- planning questions about stopping
@pytest.mark.parametrize("text", [
    pytest.param("can i detox at home", id="detox-at-home"),
    pytest.param("can i detox at home then start the program", id="detox-at-home-then-start"),
    pytest.param("should i quit cold turkey before i come in", id="cold-turkey-before-coming-in"),
    pytest.param("can i just stop drinking on my own", id="stop-on-my-own"),
    pytest.param("cold turkey or taper?", id="cold-turkey-or-taper"),
    pytest.param("hi, is it safe to stop my klonopin by myself?", id="is-it-safe-to-stop"),
])
def test_planning_questions_about_stopping_are_program_questions(detector, text):
    verdict = detector.detect(text)
    assert not verdict.is_risk and verdict.mention, verdict.as_dict()


@pytest.mark.parametrize("text, expected", [
    case("gonna quit the booze cold turkey tonight", "intent-cold-turkey", is_risk=True,
         category="withdrawal_danger", urgency="urgent"),
    case("im stopping my xanax tomorrow", "intent-stop-xanax", is_risk=True, category="withdrawal_danger"),
    case("quitting klonopin on my own starting today", "intent-quit-alone", is_risk=True,
         category="withdrawal_danger"),
    case("can i just stop my xanax? ran out 3 days ago and im shaking so bad", "question-then-withdrawal",
         is_risk=True, category="withdrawal_danger"),
])
def test_intent_to_stop_stays_a_risk(detector, text, expected):
    check(detector.detect(text), expected)


# ---------------------------------------------------------------- how far a negation reaches
@pytest.mark.parametrize("text", [
    pytest.param("i havent had even one thought of ending my life", id="bridged-negation"),
    pytest.param("i dont have any intention at all of hurting my wife", id="no-intention-of"),
    pytest.param("not suicidal or homicidal, just tired of relapsing", id="negation-over-or"),
    pytest.param("had a seizure coming off benzos, over a decade ago", id="time-in-a-clause-of-its-own"),
])
def test_long_negations_and_trailing_times_do_not_fire(detector, text):
    verdict = detector.detect(text)
    assert not verdict.is_risk, verdict.as_dict()


@pytest.mark.parametrize("text, expected", [
    case("nobody cares about my plan to kill myself", "negation-does-not-bridge-a-verb", is_risk=True,
         category="suicide"),
    case("i never wanted to die until this week", "until-undoes-never", is_risk=True, category="suicide"),
    case("ive never been more ready to die", "never-more-is-emphatic", is_risk=True, category="suicide"),
    case("no my uncle hit me again", "no-as-an-answer", is_risk=True, category="abuse"),
    case("i want to die, i relapsed months ago", "past-clause-with-its-own-verb", is_risk=True, category="suicide"),
])
def test_negation_and_past_do_not_hide_a_disclosure(detector, text, expected):
    check(detector.detect(text), expected)


# ---------------------------------------------------------------- round 4: goodbyes, ingestions, carers
@pytest.mark.parametrize("text, expected", [
    case("left a note for my wife and settled all my debts, i think im done by tomorrow", "done-after-goodbyes",
         is_risk=True, category="suicide", urgency="imminent"),
    case("gave my guitar away to my cousin. i need people to know i loved them", "know-i-loved-them",
         is_risk=True, category="suicide", urgency="imminent"),
    case("honestly if i dont wake up in the morning that would be a relief", "not-waking-would-be-a-relief",
         is_risk=True, category="suicide"),
    case("solo quiero dormir y no despertar", "spanish-sleep-and-not-wake", is_risk=True, category="suicide"),
    case("me sigo cortando los brazos", "spanish-still-cutting", is_risk=True, category="self_harm"),
    case("the baby got into the medicine cabinet, there are pills on the floor", "child-into-medicine-cabinet",
         is_risk=True, category="overdose"),
    case("no idea how many he took, the bottle is empty", "unknown-amount-taken", is_risk=True,
         category="overdose"),
    case("i could literally kill him right now", "could-literally-kill", is_risk=True, category="violence"),
    case("the aide at dads home keeps his pain pills for herself", "carer-keeps-pills", is_risk=True,
         category="abuse"),
    case("the nursing home leaves my mom in soiled sheets all day", "left-in-soiled-sheets", is_risk=True,
         category="abuse"),
    case("my bfs dealer makes me do things with him for pills", "made-to-do-things-for-pills", is_risk=True,
         category="abuse"),
    case("my wife left a note saying feed the cat for me and the pistol isnt in the drawer",
         "goodbye-and-pistol-missing", is_risk=True, category="suicide"),
    case("his legs are all sliced up and he locked the door", "legs-all-sliced-up", is_risk=True,
         category="self_harm"),
    case("he snorted something and his lips are turning grey", "lips-turning-grey", is_risk=True,
         category="overdose"),
    case("the gash on his arm keeps spurting through the bandage", "wound-spurting", is_risk=True,
         category="medical_emergency"),
    case("her ex said hes coming round with his strap", "coming-round-with-a-gun", is_risk=True,
         category="violence"),
    case("voy a matar a ese tipo", "spanish-going-to-kill", is_risk=True, category="violence"),
    case("she pushes me around and im terrified of her", "pushed-around-and-afraid", is_risk=True,
         category="abuse"),
])
def test_round_4_phrasings_fire(detector, text, expected):
    check(detector.detect(text), expected)


@pytest.mark.parametrize("text", [
    pytest.param("i wrote letters to my kids as homework for group, it was hard but good", id="letters-as-homework"),
    pytest.param("paid back everyone i owe and im done after tonight with drinking, starting iop monday",
                 id="done-after-tonight-is-a-quit-date"),
    pytest.param("if i dont wake up in time for group is that ok", id="oversleeping-question"),
    pytest.param("my toddler got into the cat food again lol", id="toddler-cat-food"),
    pytest.param("how many pills did he take a day? idk", id="daily-dose-question"),
    pytest.param("my caregiver takes me to my appointments", id="carer-takes-me"),
    pytest.param("my aide takes my meds to the pharmacy for refills", id="carer-takes-meds-to-pharmacy"),
    pytest.param("my mom makes me do stuff around the house for money", id="chores-for-money"),
    pytest.param("me corté el pelo y me gusta", id="spanish-haircut"),
    pytest.param("she could seriously use some help with her drinking", id="could-seriously-use-help"),
    pytest.param("my brother overdosed last summer, he is 10 months clean now", id="last-summer-and-clean"),
    pytest.param("my dad hit me when i was a teen, but that was a long time ago", id="but-that-was-long-ago"),
    pytest.param("im afraid of her relapsing again", id="afraid-of-her-relapsing"),
    pytest.param("cut my finger cooking, blood was gushing for a sec but its fine now", id="gushing-then-fine"),
    pytest.param("my cousin is coming over with his piece of the pie", id="piece-of-pie"),
    pytest.param("my mom is coming over with her new boyfriend tonight", id="coming-over-with-boyfriend"),
    pytest.param("take care of the kids for me while im at group?", id="childcare-while-at-group"),
    pytest.param("my arm is all cut up from the rose bushes", id="rose-bush-scratches"),
])
def test_round_4_lookalikes_do_not_fire(detector, text):
    verdict = detector.detect(text)
    assert not verdict.is_risk, verdict.as_dict()


# ---------------------------------------------------------------- found in review of round 4
# Early recovery, a crisis "since last summer", fear of an abuser, a gun inside a question, a goodbye that
# mentions the program: all present dangers that a too-broad past, idiom or program-question cue once hid.
@pytest.mark.parametrize("text", [
    'im 2 months sober and i want to kill myself',
    'i was 5 years clean and i relapsed and i want to die',
    'dont worry its fine now, i took all my pills',
    'its ok now, im going to kill myself',
    "i've been out of it for 3 months and i want to die",
    'ive been cutting myself since last summer',
    'i have been suicidal since last fall',
    "i'm terrified of him finding me and the kids",
    'im scared of him getting out of jail next week',
    'what should we do, our son has a gun and is screaming?',
    'what can we do our neighbor is waving a gun at the kids?',
    "my heart stopped when i saw him on the floor not moving",  # the shock idiom's object is a thing, never a person
    "his heart stopped, they are doing cpr on him",
    'i wrote letters to everyone. i was supposed to start iop monday but im done after tonight',
    'gave my dog to my sister, im done after tonight, wont make it to group',
    'voy a matarlo',
    'lo voy a matar',
    'mi esposo me quiere matar',
    'me quiero matar',
    'my dad hit me but that was an hour ago',
    'my dad hit me, but that was last night',
])
def test_review_of_round_4_present_dangers_fire(detector, text):
    assert detector.detect(text).is_risk, text


@pytest.mark.parametrize("text", [
    'i gave all my weed away, i am done after tonight',
    'goodbye! its time for my meeting',
    'my counselor had me write a letter to my addiction, its time to let go',
    'how do i get into medication assisted treatment',
    'i dont know how much he drank last night',
    'if i dont wake up in time would it be ok to come late to group',
    'cut my finger while pumping gas',
    'my legs are all cut up from shaving',
    'my caregiver keeps my meds in a lockbox so i dont misuse them',
    'my boss pushes me around all day',
    'we left grandma in her own bed tonight',
    'his face was going purple he was so angry',
    'quiero matar la ansiedad',
    'my dad hit me, but that was years ago',
    'my dad hit me but that was years ago',
])
def test_review_of_round_4_ordinary_messages_do_not_fire(detector, text):
    verdict = detector.detect(text)
    assert not verdict.is_risk, verdict.as_dict()


# ---------------------------------------------------------------- public API and the rules file
def test_verdict_keeps_its_public_shape(detector):
    verdict = detector.detect("i want to kill myself")
    assert isinstance(verdict, Verdict)
    assert verdict.is_risk and verdict.category == "suicide" and verdict.urgency in ("imminent", "urgent")
    assert verdict.subject == "self" and isinstance(verdict.also, list) and verdict.hits
    assert isinstance(verdict.set_aside, list) and verdict.mention is False
    assert set(verdict.as_dict()) == {"is_risk", "category", "urgency", "subject", "also", "rules", "set_aside",
                                      "mention", "timing", "hit_timing", "needs_corroboration"}
    assert verdict.needs_corroboration is False  # a suicide rule: never left to the model
    assert detector.detect("my brother overdosed last night").needs_corroboration is True


def test_every_rule_says_why(detector):
    for rule in detector._rules.values():
        assert str(rule.get("why", "")).strip(), rule["id"]


def test_an_unquoted_number_token_is_refused(detector, tmp_path: Path):
    from bot.core.risk.detector import RULES_PATH

    broken = RULES_PATH.read_text(encoding="utf-8").replace(
        '      - "up to #num today"', "      - up to #num today")
    assert broken != RULES_PATH.read_text(encoding="utf-8")
    path = tmp_path / "rules.yml"
    path.write_text(broken, encoding="utf-8")
    with pytest.raises(ValueError, match="#num"):
        RiskDetector(detector.nlp, path)


def test_median_time_is_under_a_millisecond(detector):
    import statistics
    import time

    texts = ["do you take aetna", "i want to die", "my back is killing me", FILLER * 10 + "i took 30 pills"] * 25
    timings = []
    for text in texts:
        t0 = time.perf_counter()
        detector.detect(text)
        timings.append((time.perf_counter() - t0) * 1000)
    assert statistics.median(timings) < 1.0


# Getting naloxone to keep, and "what do i do if someone overdoses", are questions about a topic; the same
# words with a person in danger now are not (the signs have rules of their own).
@pytest.mark.parametrize("text, is_risk", [
    ("can i get narcan from you guys? wanna keep some in the car", False),
    ("where can i get free narcan near me", False),
    ("what do i do if someone overdoses in front of me", False),
    ("where can i get narcan, my friend is blue and not breathing", True),
    ("what do i do, she overdosed and she won't wake up", True),
    ("we need narcan now he took a bunch of pills", True),
    ("i think i od'd", True),
])
def test_naloxone_and_overdose_questions(detector, text, is_risk):
    assert detector.detect(text).is_risk is is_risk


# ---------------------------------------------------------------- the writer's own belongings
@pytest.mark.parametrize("text, expected", [
    case("can i keep my phone on during group? i have a sick kid at home", "own-phone-in-a-question", is_risk=False),
    case("should i take my keys or leave them in the car", "own-keys", is_risk=False),
    case("he take my passport and my money since i come here", "he-take", is_risk=True, category="abuse"),
    case("the family i work for took my passport and won't pay me", "took-without-a-named-subject",
         is_risk=True, category="abuse"),
    case("she screams at me and keeps my card", "keeps", is_risk=True, category="abuse"),
])
def test_taking_someone_s_phone_or_papers(detector, text, expected):
    check(detector.detect(text), expected)


# ---------------------------------------------------------------- a danger without a name
# "I don't feel safe" as a message of its own: the reply names every danger (subject "unclear"). The learned model
# read it as an overdose (911 only) and "i'm in danger" as ordinary.
@pytest.mark.parametrize("text", [
    "i dont feel safe", "im not safe", "I don't feel safe right now", "i'm in danger", "im scared for my life",
    "I fear for my life", "no, I'm not safe", "my life is in danger", "we are in danger", "no estoy a salvo",
    "estoy en peligro", "no me siento segura", "temo por mi vida",
])
def test_a_danger_without_a_name_escalates_with_every_number(detector, text):
    verdict = detector.detect(text)
    assert (verdict.is_risk, verdict.urgency, verdict.subject) == (True, "imminent", "unclear")


@pytest.mark.parametrize("text", [
    "im not in danger, just wanted to ask about times", "I don't think I'm in danger", "i dont feel unsafe",
    "I felt unsafe at home as a kid, that's why I drank", "i was in danger back then but its over",
    "not safe to drive tonight, ill take the bus",
])
def test_safety_denied_or_past_is_not_a_danger(detector, text):
    assert not detector.detect(text).is_risk


@pytest.mark.parametrize("text, category", [
    ("I am not safe. My husband threatened me with his gun an hour ago", "violence"),
    ("i'm not safe tonight, got the pills counted out", "suicide"),
])
def test_a_danger_named_beside_it_says_who_and_what(detector, text, category):
    verdict = detector.detect(text)
    assert (verdict.category, verdict.subject) == (category, "self")


# A child who swallowed a drug, however little and however it is said ("toddler ate methadone" got no crisis reply).
@pytest.mark.parametrize("text", [
    "toddler ate methadone", "baby swallowed a pill", "my son ate my suboxone strip",
    "is it bad if my baby licked the methadone cup? there was a little left in it",
    "my daughter chewed a fentanyl patch", "kid drank some of the methadone",
])
def test_a_child_who_swallowed_a_drug_is_an_overdose(detector, text):
    verdict = detector.detect(text)
    assert (verdict.category, verdict.urgency, verdict.subject) == ("overdose", "imminent", "other")


@pytest.mark.parametrize("text", [
    "my son ate his dinner and took his vitamins", "my toddler swallowed a pill two years ago, she was fine",
    "what do i do if my kid ever swallows my methadone?",
])
def test_a_child_eating_or_a_past_or_asked_about_ingestion_is_not(detector, text):
    assert not detector.detect(text).is_risk


# Things given away, then "won't be needing X where I'm going": a goodbye, unless the writer is moving.
@pytest.mark.parametrize("text, is_risk", [
    ("giving everything away this week. won't be needing rehab where I'm going lol. sunday's the day", True),
    ("gave my stuff away. wont need any of it where im going", True),
    ("giving everything away before the move to florida, wont need a coat where im going lol", False),
    ("im moving to ohio so i wont make it to group next week", False),
])
def test_not_needing_things_where_one_is_going(detector, text, is_risk):
    assert detector.detect(text).is_risk is is_risk


# "trafficked" was matched on its lemma, "traffic": "stuck in traffic, running late to group" got the abuse reply.
@pytest.mark.parametrize("text, is_risk", [
    ("stuck in traffic, running late to group", False),
    ("traffic is bad today, can i join the virtual group instead", False),
    ("i was trafficked by my boyfriend", True),
])
def test_traffic_is_not_trafficking(detector, text, is_risk):
    assert detector.detect(text).is_risk is is_risk

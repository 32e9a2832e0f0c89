import pytest

from services.enrichment.language import MIN_CONFIDENCE, LanguageDetector, LanguageGuess, clean

SAMPLES = {
    "en": "The central bank held interest rates on Tuesday and said inflation was slowing.",
    "fr": "La banque centrale a maintenu ses taux mardi et a estimé que l'inflation ralentissait.",
    "de": "Die Zentralbank hat am Dienstag die Zinsen gehalten und sieht eine sinkende Inflation.",
    "ru": "Центральный банк во вторник сохранил ставки и заявил, что инфляция замедляется.",
    "zh": "中央银行周二维持利率不变\uff0c并表示通货膨胀正在放缓。",
    "ar": "أبقى البنك المركزي أسعار الفائدة دون تغيير يوم الثلاثاء وقال إن التضخم يتباطأ.",
}


@pytest.fixture(scope="module")
def detector() -> LanguageDetector:
    return LanguageDetector()


def test_detects_six_languages(detector: LanguageDetector) -> None:
    guesses = detector.detect_many(list(SAMPLES.values()))
    assert [guess.code for guess in guesses] == list(SAMPLES)
    assert all(guess.confidence >= 0.8 for guess in guesses)


def test_one_guess_per_text_in_order(detector: LanguageDetector) -> None:
    texts = [SAMPLES["de"], "", SAMPLES["en"]]
    assert [guess.code for guess in detector.detect_many(texts)] == ["de", None, "en"]
    assert detector.detect_many([]) == []


@pytest.mark.parametrize("text", ["", "   \n\t ", "12345 67.8", "!!! ??? ---", "2014-03-10"])
def test_no_letters_is_no_language(detector: LanguageDetector, text: str) -> None:
    assert detector.detect_many([text]) == [LanguageGuess(None, 0.0)]


def test_unsure_is_no_language(detector: LanguageDetector) -> None:
    # A lone name gives fastText nothing to go on: it answers its prior, about 0.12.
    [guess] = detector.detect_many(["Putin"])
    assert guess.code is None
    assert 0 < guess.confidence < MIN_CONFIDENCE


def test_newlines_are_accepted(detector: LanguageDetector) -> None:
    text = "Markets fell sharply.\nInvestors sold shares\r\nacross Europe and Asia on Monday."
    assert detector.detect_many([text])[0].code == "en"


def test_all_caps_headline_is_english(detector: LanguageDetector) -> None:
    # fastText alone reads this as Japanese (0.54); the lower-cased copy outvotes it.
    headline = "GOOGLE SOCIAL NETWORKING BOSS GUNDOTRA LEAVING COMPANY"
    assert detector.detect_many([headline])[0].code == "en"


def test_junk_does_not_crash(detector: LanguageDetector) -> None:
    junk = [
        bytes(range(256)).decode("latin-1") * 8,
        "\ud800 broken surrogate \udfff",
        "\x00\x01\x02 nul bytes \x00 in text",
        "English words mixed with 中文字符 и русский текст and عربي",
        "word " * 300_000,
    ]
    guesses = detector.detect_many(junk)
    assert len(guesses) == len(junk)
    assert all(0.0 <= guess.confidence <= 1.0 for guess in guesses)


def test_clean_makes_one_bounded_line() -> None:
    line = clean("a\nb\r\nc\u2028d " + "x" * 10_000)
    assert "\n" not in line
    assert line.startswith("a b c d ")
    assert len(line) <= 2_000

from vgslib.report import data, htmlcheck, widgets


def test_the_audio_grid_has_a_labelled_player_per_token(tiny_world):
    rows = data.audio_examples(tiny_world, words=("dog", "butterfly"), per_word=2)
    grid = widgets.audio_grid(tiny_world, rows)
    assert grid.count("<audio ") == len(rows) > 0 and grid.count("<tr>") == 1 + rows.concept.nunique()
    first = rows.iloc[0]
    assert f'aria-label="{first.word} ({first.concept}), English, voice {first.speaker}"' in grid
    assert htmlcheck.check_page(f"<main>{grid}</main>", "data.html") == []
    assert htmlcheck.check_page("<main><audio controls></audio></main>", "p.html") == [
        "p.html: an audio player without a label (word, language, voice)"
    ]

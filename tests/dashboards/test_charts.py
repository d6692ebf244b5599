from hypothesis import example, given
from hypothesis import strategies as st

from epiqr.dashboards.charts import bars_with_line
from epiqr.dashboards.selectors import trailing_mean


def test_the_tallest_bar_fills_the_chart_and_a_zero_is_flat():
    chart = bars_with_line([0, 5, 10], [0, 2.5, 5], width=300, height=104)
    assert [b.height for b in chart.bars] == [0, 50, 100]
    assert chart.bars[2].y == 4 and chart.bars[0].y == 104
    assert bars_with_line([0, 0], [0, 0]).bars[0].height == 0


@given(st.lists(st.integers(0, 10_000), min_size=1, max_size=120))
@example([182, 4160])  # the top edge and the height rounded apart once overshot the baseline by 0.01
def test_bars_stay_inside_the_chart(values):
    chart = bars_with_line(values, trailing_mean(values), width=600, height=160)
    assert len(chart.bars) == len(values)
    for b in chart.bars:
        assert 0 <= b.y <= 160 and b.y + b.height <= 160.01 and 0 <= b.x < 600


@given(st.lists(st.integers(0, 1000), min_size=1, max_size=60))
def test_trailing_mean_is_the_mean_of_the_last_seven(values):
    means = trailing_mean(values)
    for i, m in enumerate(means):
        window = values[max(0, i - 6) : i + 1]
        assert abs(m - sum(window) / len(window)) < 1e-9

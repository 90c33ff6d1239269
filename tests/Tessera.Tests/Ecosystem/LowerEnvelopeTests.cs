using CsCheck;
using Tessera.Ecosystem;

namespace Tessera.Tests.Ecosystem;

public sealed class LowerEnvelopeTests
{
    private static readonly Gen<HalfLine> Line =
        Gen.Select(Gen.Double[0, 5], Gen.Double[0, 100], Gen.Double[0, 10], (a, b, s) => new HalfLine(a, b, s));

    [Fact]
    public void Query_equals_brute_force_over_random_half_lines_and_budgets() =>
        Gen.Select(Line.Array[1, 16], Gen.Double[-1, 15]).Sample((lines, t) =>
        {
            var envelope = new LowerEnvelope(lines);
            var defined = lines.Where(l => l.Start <= t).ToList();
            var brute = defined.Count == 0 ? double.PositiveInfinity : defined.Min(l => l.At(t));
            var i = envelope.Query(t);
            if (defined.Count == 0) return i == -1;
            return i >= 0 && lines[i].Start <= t && Math.Abs(lines[i].At(t) - brute) <= 1e-9 * Math.Max(1, brute);
        });

    [Fact]
    public void Breakpoints_hold_the_least_value_of_every_interval() =>
        // Between breakpoints the choice is fixed and the value grows with T, so the envelope's least value over
        // [first start, t] is reached at a breakpoint ≤ t.
        Gen.Select(Line.Array[1, 12], Gen.Double[0, 15]).Sample((lines, t) =>
        {
            var envelope = new LowerEnvelope(lines);
            var first = lines.Min(l => l.Start);
            if (t < first) return true;
            var sampled = Enumerable.Range(0, 200).Select(k => first + (t - first) * k / 199.0).Min(envelope.Value);
            var atBreakpoints = envelope.Breakpoints.Where(b => b <= t).Min(envelope.Value);
            return atBreakpoints <= sampled + 1e-9 * Math.Max(1, sampled);
        });

    [Fact]
    public void A_slower_leakier_line_never_wins()
    {
        var envelope = new LowerEnvelope([new HalfLine(1, 10, 1), new HalfLine(2, 20, 2), new HalfLine(0.5, 30, 3)]);
        Assert.Equal(-1, envelope.Query(0.5));
        Assert.Equal(0, envelope.Query(2.5));
        // 0.5 T + 30 < T + 10 once T > 40.
        Assert.Equal(0, envelope.Query(39));
        Assert.Equal(2, envelope.Query(41));
        Assert.Equal([1.0, 40.0], envelope.Breakpoints);
    }
}

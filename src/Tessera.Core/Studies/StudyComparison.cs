using System.Collections.Immutable;
using Tessera.Chiplets;
using Tessera.Reports;
using Tessera.Scoring;

namespace Tessera.Studies;

/// <summary>A package on a study's comparison: its label, whether its groups differ in design, its cost and its objective value.</summary>
public sealed record ComparedPackage(string Label, bool Heterogeneous, double CostUsd, double Value);

/// <summary>
/// A study's answer on its own objective: the bespoke package (the best of the whole search, which contains the
/// homogeneous baselines, so it is never worse than they are), the best homogeneous package and the homogeneous
/// package nearest the bespoke one in cost (or area). Null entries: nothing of that kind meets the constraints.
/// </summary>
public sealed record StudyComparison(string Objective, ComparedPackage? Bespoke, ComparedPackage? BestHomogeneous, ComparedPackage? EqualCostHomogeneous)
{
    /// <summary>The comparison as a table: each package, its cost, its objective value and bespoke ÷ it.</summary>
    public ResultTable ToTable(string per)
    {
        var rows = new[] { ("bespoke", Bespoke), ("best homogeneous", BestHomogeneous), ("equal-cost homogeneous", EqualCostHomogeneous) }
            .Select(x => x.Item2 is { } p
                ? new ResultValue[] { x.Item1, p.Label, p.Heterogeneous ? "yes" : "no", p.CostUsd, p.Value, Bespoke!.Value / p.Value }
                : [x.Item1, "none meets the constraints", "", "", "", ""]);
        return new ResultTable($"comparison on the study's objective ({Objective} {per})", "bespoke × = bespoke ÷ package (1 or below: the bespoke package is at least as good)",
            [new("", ValueKind.Text), new("package", ValueKind.Text), new("heterogeneous", ValueKind.Text), new("cost", ValueKind.Usd),
                new(Objective, ValueKind.Number), new("bespoke ×", ValueKind.Ratio)],
            [.. rows.Select(r => r.ToImmutableArray())], []);
    }
}

/// <summary>How every study picks its packages from those meeting its constraints.</summary>
public static class StudySearch
{
    /// <summary>A package is heterogeneous only when its groups differ in design (a split over one design is not).</summary>
    public static bool IsHeterogeneous(this ComposedPackage p) => p.Groups.Select(g => g.DesignName).Distinct(StringComparer.Ordinal).Count() > 1;

    /// <summary>
    /// The bespoke package (lowest score of all <paramref name="meeting"/>, ties by label), the best baseline
    /// (lowest score among <paramref name="isBaseline"/>) and the baseline nearest the bespoke package on the match's
    /// measure (ties by score), with the comparison they give.
    /// </summary>
    public static (T? Bespoke, T? BestBaseline, T? EqualBaseline, StudyComparison Comparison) Pick<T>(IEnumerable<T> meeting, Func<T, bool> isBaseline,
        Objective objective, Func<T, Metrics> metrics, BaselineMatch match) where T : class, IStudyPackage
    {
        double Score(T p) => objective.Score(metrics(p));
        var ranked = meeting.OrderBy(Score).ThenBy(p => p.Label, StringComparer.Ordinal).ToList();
        var bespoke = ranked.FirstOrDefault();
        var baselines = ranked.Where(isBaseline).ToList();
        var best = baselines.FirstOrDefault();
        var equal = bespoke is null ? null : baselines.OrderBy(p => match.Distance(p.Package, bespoke.Package)).ThenBy(Score).FirstOrDefault();
        ComparedPackage? Compared(T? p) => p is null ? null : new(p.Label, p.Package.IsHeterogeneous(), p.Package.CostUsd, Score(p));
        return (bespoke, best, equal, new StudyComparison(objective.Name, Compared(bespoke), Compared(best), Compared(equal)));
    }
}

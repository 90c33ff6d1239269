using System.Collections.Immutable;
using System.Text.Json;
using Tessera.Chiplets;
using Tessera.Reports;

namespace Tessera.Studies;

/// <summary>A package a study evaluated: its label and the composed package.</summary>
public interface IStudyPackage
{
    string Label { get; }

    ComposedPackage Package { get; }
}

/// <summary>The JSON shapes and tables every study shares: packages, rejected packages and the baseline comparison.</summary>
internal static class StudyReport
{
    /// <summary>Rejected packages listed in a table (all of them are in the JSON).</summary>
    private const int RejectedShown = 8;

    public static object Package(ComposedPackage p) => new
    {
        p.Name,
        Groups = p.Groups.Select(g => new { g.Role, Design = g.DesignName, Chiplet = g.Candidate.Name, g.Count, g.MemoryType, g.MemoryModules }),
        p.CostUsd, p.UnitCostUsd, p.NrePerUnitUsd, p.DieAreaMm2, p.Legal, Packages = Math.Max(1, p.Parts.Length),
        Violations = p.Violations.Select(v => v.Message),
    };

    public static object Rejected(RejectedPackage r) => new { r.Label, r.Violation, r.ViolationCount, Package = Package(r.Package) };

    /// <summary>
    /// A JSON shape with <paramref name="extra"/>'s properties after its own when <paramref name="extend"/> holds (a study
    /// file using an optional feature), the shape unchanged otherwise, so files without the feature keep their JSON.
    /// </summary>
    public static object With(object json, bool extend, Func<object> extra)
    {
        if (!extend) return json;
        var merged = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var part in new[] { json, extra() })
            foreach (var property in part.GetType().GetProperties())
                merged[JsonNamingPolicy.CamelCase.ConvertName(property.Name)] = property.GetValue(part);
        return merged;
    }

    /// <summary>JSON has no infinity: a package that was not simulated has no value.</summary>
    public static double? Finite(double x) => double.IsFinite(x) ? x : null;

    /// <summary>The tables that exist, in order.</summary>
    public static ImmutableArray<ResultTable> Tables(params ResultTable?[] tables) => [.. tables.OfType<ResultTable>()];

    /// <summary>The columns that open every package table: label, role, cost and die area.</summary>
    public static ImmutableArray<ResultColumn> PackageColumns { get; } =
        [new("package", ValueKind.Text), new("role", ValueKind.Text), new("cost", ValueKind.Usd), new("die mm²", ValueKind.Count)];

    /// <summary>The first cells of a package row (see <see cref="PackageColumns"/>).</summary>
    public static ResultValue[] PackageCells(IStudyPackage p, IEnumerable<string> roles) =>
        [p.Label, string.Join(", ", roles), p.Package.CostUsd, Math.Round(p.Package.DieAreaMm2)];

    /// <summary>
    /// Each baseline family's nearest package against the bespoke one: its package, cost, die area and the study's
    /// <paramref name="columns"/>; a family without a package says it has none that <paramref name="meets"/>.
    /// </summary>
    public static ResultTable Baselines<T>(BaselineMatch match, T bespoke, IEnumerable<(string Family, T? Nearest)> baselines, string meets,
        ResultColumn[] columns, Func<T, ResultValue[]> cells) where T : class, IStudyPackage
    {
        var measure = match.ToString().ToLowerInvariant();
        var rows = baselines.Select(b => b.Nearest is { } n
            ? ImmutableArray.Create<ResultValue>([b.Family, n.Label, n.Package.CostUsd, Math.Round(n.Package.DieAreaMm2), .. cells(n)])
            : ImmutableArray.Create<ResultValue>([b.Family, $"no package of this family {meets}", "", "", .. columns.Select(_ => (ResultValue)"")]));
        return new ResultTable($"homogeneous baselines of about equal {measure} against the bespoke package {bespoke.Label}",
            "× = bespoke ÷ baseline (below 1: the bespoke package needs less)",
            [new($"baseline (equal {measure})", ValueKind.Text), new("package", ValueKind.Text), new("cost", ValueKind.Usd),
                new("die mm²", ValueKind.Count), .. columns],
            [.. rows], []);
    }

    /// <summary>How many packages the floorplan rejected, by violation kind, and the first few with their first violation; null when none.</summary>
    public static ResultTable? Rejected(IReadOnlyList<RejectedPackage> rejected)
    {
        if (rejected.Count == 0) return null;
        var kinds = rejected.SelectMany(r => r.Package.Violations.Select(v => v.Kind).Distinct())
            .GroupBy(k => k).Select(g => $"{g.Key} {g.Count()}");
        return new ResultTable($"rejected by the floorplan: {rejected.Count} package(s) (packages per violation kind: {string.Join(", ", kinds)})", "",
            [new("rejected package", ValueKind.Text), new("violations", ValueKind.Count), new("first violation", ValueKind.Text)],
            [.. rejected.Take(RejectedShown).Select(r => ImmutableArray.Create<ResultValue>(r.Label, r.ViolationCount, r.Violation))],
            rejected.Count > RejectedShown ? [$"{rejected.Count - RejectedShown} more rejected package(s) in the JSON (--json)"] : []);
    }
}

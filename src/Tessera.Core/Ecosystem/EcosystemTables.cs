using System.Collections.Immutable;
using Tessera.Reports;

namespace Tessera.Ecosystem;

/// <summary>An ecosystem result's metrics and tables (growth curve, packages, ratios, fleets, simulation, floorplans), as printed and stored.</summary>
public static class EcosystemTables
{
    /// <summary>The pool's objective under each selection, the growth stop and the profile counts.</summary>
    public static ImmutableArray<Metric> Metrics(EcosystemResult r)
    {
        ArgumentNullException.ThrowIfNull(r);
        return
        [
            new("pool_objective", r.Pool.Objective, ValueKind.Number), new("grown_objective", r.Grown.Objective, ValueKind.Number),
            new("annealed_objective", r.Annealed.Objective, ValueKind.Number), new("exact_objective", r.Exact?.Objective ?? double.NaN, ValueKind.Number),
            new("pool_designs", r.Pool.Designs.Length, ValueKind.Count), new("growth_k", r.GrowthK, ValueKind.Count),
            new("candidates", r.Candidates.Length, ValueKind.Count), new("profiles_evaluated", r.ProfilesEvaluated, ValueKind.Count),
            new("profiles_from_cache", r.ProfilesFromCache, ValueKind.Count), new("all_legal", r.AllLegal ? 1 : 0, ValueKind.Count),
        ];
    }

    public static ImmutableArray<ResultTable> Tables(EcosystemResult r)
    {
        ArgumentNullException.ThrowIfNull(r);
        var packages = r.Pool.Packages.Where(p => p is not null).Select(p => p!).ToList();
        var tables = ImmutableArray.CreateBuilder<ResultTable>();
        tables.Add(Table("pool growth", [("K", ValueKind.Count), ("added design", ValueKind.Text), ("objective", ValueKind.Number), ("gain", ValueKind.Ratio)],
            r.Curve.Select(p => Row(p.K, p.Added, p.Objective, p.Gain))));
        tables.Add(Table("application packages", [("application", ValueKind.Text), ("stages: chiplets × design, memories", ValueKind.Text),
                ("period", ValueKind.Seconds), ("energy", ValueKind.Joules), ("cost (charged)", ValueKind.Usd), ("packaging", ValueKind.Usd),
                ("NRE/unit", ValueKind.Usd), ("E·C", ValueKind.JouleUsd), ("EDP", ValueKind.JouleSeconds)],
            packages.Select(p => Row(p.Application, Summary(p), p.PeriodSeconds, p.EnergyJ, p.CostUsd, p.Cost.PackagingUsd + p.Cost.YieldLossUsd,
                p.Cost.NrePerUnitUsd, p.EnergyCost, p.Edp))));
        tables.Add(Table("BASIC ÷ baseline (geomean)", [("baseline", ValueKind.Text), ("energy", ValueKind.Ratio), ("E·C", ValueKind.Ratio),
                ("EDP", ValueKind.Ratio), ("EDCP", ValueKind.Ratio)],
            r.Ratios.Select(x => Row(x.Baseline, x.Energy, x.EnergyCost, x.Edp, x.Edcp))));
        tables.Add(Table("fleets (one product per application)", [("fleet", ValueKind.Text), ("designs", ValueKind.Count), ("design NRE", ValueKind.Usd),
                ("product NRE", ValueKind.Usd), ("units", ValueKind.Count), ("NRE per unit", ValueKind.Usd), ("packaging per unit", ValueKind.Usd)],
            r.Fleets.Select(f => Row(f.Fleet, f.Designs, f.DesignNreUsd, f.ProductNreUsd, f.Units, f.NrePerUnitUsd, f.PackagingPerUnitUsd))));
        if (r.Simulated.Length > 0)
            tables.Add(Table("simulated packages (one inference)", [("application", ValueKind.Text), ("chiplets", ValueKind.Count),
                    ("latency", ValueKind.Seconds), ("energy", ValueKind.Joules), ("of which leakage", ValueKind.Joules)],
                r.Simulated.Select(s => Row(s.Application, s.Chiplets, s.LatencySeconds, s.EnergyJ, s.StaticJ))));
        // One line per package: the violation count by kind and the first one (every violation is in the JSON).
        tables.Add(Table("floorplans (2.5D)", [("application", ValueKind.Text), ("carrier", ValueKind.Text), ("legal", ValueKind.Text),
                ("violations by kind", ValueKind.Text), ("first violation", ValueKind.Text), ("dies over the peak power density", ValueKind.Count)],
            r.Pool.Packages.Zip(r.Floorplans).Where(x => x.First is not null && x.Second is not null).Select(x => Row(x.First!.Application,
                $"{x.Second!.WidthMm:0.0} × {x.Second.HeightMm:0.0} mm", x.Second.Legal ? "yes" : "no",
                string.Join(", ", x.Second.Violations.GroupBy(v => v.Kind).Select(g => $"{g.Key} {g.Count()}")),
                x.Second.Violations.FirstOrDefault()?.Message ?? "", x.Second.Warnings.Length))));
        return tables.ToImmutable();
    }

    /// <summary>A package in one line: stage count, chiplets per design (TP counted), memory types used.</summary>
    private static string Summary(BasicPackage p)
    {
        ArgumentNullException.ThrowIfNull(p);
        return $"{p.Stages.Length} stage(s): " + string.Join(", ", p.Stages.GroupBy(s => s.Design).Select(g => $"{g.Sum(s => s.TensorParallel)}× {g.Key}")) +
            "; " + string.Join(", ", p.Stages.GroupBy(s => s.Memory).Select(g => $"{g.Count()}× {g.Key}"));
    }

    private static ImmutableArray<ResultValue> Row(params ResultValue[] values) => [.. values];

    private static ResultTable Table(string title, (string Header, ValueKind Kind)[] columns, IEnumerable<ImmutableArray<ResultValue>> rows) =>
        new(title, "", [.. columns.Select(c => new ResultColumn(c.Header, c.Kind))], [.. rows], []);
}

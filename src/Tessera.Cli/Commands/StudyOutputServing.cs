using Spectre.Console;
using Tessera.Studies;

namespace Tessera.Cli.Commands;

internal static partial class StudyOutput
{
    // ------------------------------------------------------------------ LLM serving

    public static object Describe(LlmServingResult r) => new
    {
        Study = LlmServingStudy.Name,
        Model = r.Config.Model.Name, r.Config.Bits, r.Config.RequestRate, r.Config.PromptTokens, r.Config.OutputTokens, r.Config.Batch,
        r.Config.Targets, r.KvBytesPerToken, r.WeightBytes, BaselineMatch = r.Config.Match,
        Cheapest = r.Cheapest is { } c ? Describe(c) : null,
        Bespoke = r.Bespoke is { } b ? Describe(b) : null,
        Baselines = r.Baselines.Select(x => new { x.Family, Nearest = x.Nearest is { } n ? Describe(n) : null }),
        Closest = r.Cheapest is null && r.Closest is { } closest ? Describe(closest) : null,
        Evaluations = r.Evaluations.Select(Describe),
        Rejected = r.Rejected.Select(Describe),
        r.Simulations, r.WallSeconds,
    };

    private static object Describe(ServingEvaluation e) => new
    {
        e.Label, e.Disaggregated, Package = Package(e.Package), e.MemoryNeededBytes, e.MemoryCapacityBytes,
        TtftSeconds = Finite(e.TtftSeconds), TpotSeconds = Finite(e.TpotSeconds), KvTransferSeconds = e.KvTransfer?.LatencySeconds,
        e.CapacityTokensPerSecond, e.TokensPerSecond, EnergyPerTokenJ = Finite(e.EnergyPerTokenJ),
        TokensPerSecondPerWatt = Finite(e.TokensPerSecondPerWatt), CostPerMillionTokensUsd = Finite(e.CostPerMillionTokensUsd),
        EnergyCost = Finite(e.EnergyCost), e.MeetsTargets, e.Misses,
    };

    private static double? Finite(double x) => double.IsFinite(x) ? x : null;

    public static void Print(IAnsiConsole console, LlmServingResult r)
    {
        var c = r.Config;
        console.MarkupLine(Markup.Escape($"LLM serving: {c.Model.Name}, {c.Bits}-bit, {c.RequestRate:0.##} requests/s, prompt {c.PromptTokens}, output {c.OutputTokens}, batch {c.Batch}; " +
            $"targets TTFT ≤ {Units.Si(c.Targets.TtftSeconds, "s")}, TPOT ≤ {Units.Si(c.Targets.TpotSeconds, "s")}; " +
            $"weights {Units.Bytes(r.WeightBytes)}, KV cache {Units.Bytes(r.KvBytesPerToken)} per token"));
        var meeting = r.Meeting.Take(c.Show).ToList();
        var rows = meeting.Concat(new[] { r.Bespoke }.OfType<ServingEvaluation>())
            .Concat(r.Baselines.Select(b => b.Nearest).OfType<ServingEvaluation>()).Distinct().ToList();
        var table = new Table().AddColumns("package", "role", "cost $", "die mm²", "TTFT", "TPOT", "KV xfer", "tokens/s", "tok/s/W", "mJ/token", "$/M tokens", "E·C mJ·$");
        foreach (var e in rows)
        {
            var role = new List<string>();
            if (e == r.Cheapest) role.Add("cheapest");
            if (e == r.Bespoke) role.Add("bespoke");
            role.AddRange(r.Baselines.Where(b => b.Nearest == e).Select(b => $"baseline {b.Family}"));
            table.AddRow(Markup.Escape(e.Label), Markup.Escape(string.Join(", ", role)), $"{e.Package.CostUsd:N0}", $"{e.Package.DieAreaMm2:0}",
                Units.Si(e.TtftSeconds, "s"), Units.Si(e.TpotSeconds, "s"), Units.Si(e.KvTransfer?.LatencySeconds ?? 0, "s"),
                $"{e.TokensPerSecond:0.0}", $"{e.TokensPerSecondPerWatt:0.0}", $"{e.EnergyPerTokenJ * 1e3:0.00}", $"{e.CostPerMillionTokensUsd:0.000}",
                $"{e.EnergyCost * 1e3:N0}");
        }
        if (rows.Count > 0) console.Write(table);
        if (r.Cheapest is { } cheapest)
            console.MarkupLine(Markup.Escape($"cheapest package meeting the targets: {cheapest.Label} (${cheapest.Package.CostUsd:N0}, {cheapest.Package.Describe()})"));
        else if (r.Closest is { } closest)
            console.MarkupLine(Markup.Escape($"no package meets the targets; the closest, {closest.Label}, misses: {string.Join("; ", closest.Misses)}"));
        else
            console.MarkupLine("no package is physically legal");
        if (r.Bespoke is { } bespoke)
        {
            PrintBaselines(console, c.Match, r.Baselines.Select(b => (b.Family, b.Nearest)), "meets the targets", ["mJ/token", "bespoke energy", "E·C mJ·$", "bespoke energy-cost"],
                n => n.Label, n => n.Package, n => [$"{n.EnergyPerTokenJ * 1e3:0.00}", Relative(bespoke.EnergyPerTokenJ / n.EnergyPerTokenJ),
                    $"{n.EnergyCost * 1e3:N0}", Relative(bespoke.EnergyCost / n.EnergyCost)]);
        }
        PrintRejected(console, r.Rejected);
        console.MarkupLine(Markup.Escape($"{r.Evaluations.Length} legal packages ({r.Rejected.Length} rejected by the floorplan), {r.Evaluations.Count(e => e.MeetsTargets)} meet the targets; {r.Simulations} simulations, {r.WallSeconds:0.0} s"));
    }

    // ------------------------------------------------------------------ AV perception

    public static object Describe(AvPerceptionResult r) => new
    {
        Study = AvPerceptionStudy.Name,
        BaselineMatch = r.Config.Match, r.Config.Cameras, r.Config.Backbone, r.Config.Head, r.Config.Fusion, r.Config.Bits, r.Config.FrameRate, r.Config.DeadlineSeconds,
        Best = r.Best is { } b ? Describe(b) : null,
        Bespoke = r.Bespoke is { } s ? Describe(s) : null,
        Baselines = r.Baselines.Select(x => new { x.Family, Nearest = x.Nearest is { } n ? Describe(n) : null }),
        Evaluations = r.Evaluations.Select(Describe),
        Rejected = r.Rejected.Select(Describe),
        r.Simulations, r.WallSeconds,
    };

    private static object Describe(PerceptionEvaluation e) => new
    {
        e.Label, e.Heterogeneous, Package = Package(e.Package),
        CnnSeconds = e.Cnn.LatencySeconds, TransferSeconds = e.Transfer.LatencySeconds, FusionSeconds = e.Fusion.LatencySeconds,
        e.LatencySeconds, e.BottleneckSeconds, e.SlackSeconds, e.EnergyPerFrameJ, e.EnergyCost, e.MeetsDeadline, e.Misses,
    };

    public static void Print(IAnsiConsole console, AvPerceptionResult r)
    {
        var c = r.Config;
        console.MarkupLine(Markup.Escape($"AV perception: {c.Cameras} cameras × {c.Backbone} + detection head, fusion encoder {c.Fusion.Layers}×{c.Fusion.Hidden} over " +
            $"{c.Cameras * c.Fusion.TokensPerCamera} tokens; {c.FrameRate:0.##} fps, deadline {Units.Si(c.DeadlineSeconds, "s")}"));
        var rows = r.Meeting.Take(c.Show).Concat(new[] { r.Bespoke }.OfType<PerceptionEvaluation>())
            .Concat(r.Baselines.Select(b => b.Nearest).OfType<PerceptionEvaluation>()).Distinct().ToList();
        var table = new Table().AddColumns("package", "role", "cost $", "die mm²", "CNN", "transfer", "fusion", "latency", "slack", "mJ/frame", "E·C J·$");
        foreach (var e in rows)
        {
            var role = new List<string>();
            if (e == r.Best) role.Add("best E·C");
            if (e == r.Bespoke) role.Add("bespoke");
            role.AddRange(r.Baselines.Where(b => b.Nearest == e).Select(b => $"baseline {b.Family}"));
            table.AddRow(Markup.Escape(e.Label), Markup.Escape(string.Join(", ", role)), $"{e.Package.CostUsd:N0}", $"{e.Package.DieAreaMm2:0}",
                Units.Si(e.Cnn.LatencySeconds, "s"), Units.Si(e.Transfer.LatencySeconds, "s"), Units.Si(e.Fusion.LatencySeconds, "s"),
                Units.Si(e.LatencySeconds, "s"), Units.Si(e.SlackSeconds, "s"), $"{e.EnergyPerFrameJ * 1e3:0.0}", $"{e.EnergyCost:0.00}");
        }
        if (rows.Count > 0) console.Write(table);
        if (r.Best is null && r.Evaluations.IsEmpty)
            console.MarkupLine("no package is physically legal");
        else if (r.Best is null)
        {
            var closest = r.Evaluations.OrderBy(e => e.LatencySeconds).First();
            console.MarkupLine(Markup.Escape($"no package meets the deadline; the fastest, {closest.Label}, misses: {string.Join("; ", closest.Misses)}"));
        }
        if (r.Bespoke is { } bespoke)
        {
            PrintBaselines(console, c.Match, r.Baselines.Select(b => (b.Family, b.Nearest)), "meets the deadline", ["mJ/frame", "bespoke energy", "E·C J·$", "bespoke energy-cost"],
                n => n.Label, n => n.Package, n => [$"{n.EnergyPerFrameJ * 1e3:0.0}", Relative(bespoke.EnergyPerFrameJ / n.EnergyPerFrameJ),
                    $"{n.EnergyCost:0.00}", Relative(bespoke.EnergyCost / n.EnergyCost)]);
        }
        PrintRejected(console, r.Rejected);
        console.MarkupLine(Markup.Escape($"{r.Evaluations.Length} legal packages ({r.Rejected.Length} rejected by the floorplan), {r.Evaluations.Count(e => e.MeetsDeadline)} meet the deadline; {r.Simulations} simulations, {r.WallSeconds:0.0} s"));
    }
}

using System.Collections.Immutable;
using System.Globalization;
using Tessera.Diagnostics;
using Tessera.Evaluation;
using Tessera.Scheduling;
using Tessera.Scoring;

namespace Tessera.Search.Scar;

/// <summary>
/// Several models at once after SCAR (Odema et al., MICRO 2024): time windows, chiplets per model, segments on paths
/// of adjacent chiplets, every candidate simulated (<see cref="ScarSearch"/>). The windows run one after another, so
/// the evaluation is their sequence; the report holds each window's plan.
/// </summary>
public sealed class ScarScheduler : IScheduler
{
    public string Name => "scar";

    public string Description => "SCAR: time windows, chiplets per model, pipelined segments on adjacent chiplets, every candidate simulated";

    public ImmutableArray<PartitionMode> Partitions { get; } = [PartitionMode.Pipelined];

    public Objective? DefaultObjective => Objective.Edp;

    public ImmutableArray<Objective> Objectives => [];

    private static readonly ScarOptions Defaults = new();

    public ImmutableArray<SchedulerOption> Options { get; } =
    [
        new("n-splits", "cuts of the horizon into time windows (windows = n-splits + 1)", $"{Defaults.Splits}"),
        new("top-k", "segmentations kept per model and window", $"{Defaults.TopK}"),
        new("provisioning", "chiplets per model per window: proportional or exhaustive", "proportional"),
        new("node-cap", "most chiplets one model may span in a window (default: its provisioned chiplets)", ""),
        new("latency-limit", "a model's latency limit as MODEL=SECONDS", "", Repeatable: true),
        new("limits", "hard: a limit no candidate meets makes the scenario infeasible; soft: met first where possible, the miss reported", "hard"),
        new("seed", "the only random source: the same seed gives the same result", $"{Defaults.Seed}"),
        new("layers", "what windows and segments are cut between: operators, or mac (SCAR's layers: non-MAC operators folded into the MAC operator before them)",
            LayerViews.Spelling(Defaults.Layers)),
    ];

    public ScheduleResult Schedule(ScheduleProblem problem, IProgress<double>? progress, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(problem);
        var s = problem.Settings;
        var options = new ScarOptions(s.Count("n-splits", Defaults.Splits, minimum: 0), s.Count("top-k", Defaults.TopK),
            s.Choice("provisioning", "proportional", "proportional", "exhaustive") == "exhaustive" ? Provisioning.Exhaustive : Provisioning.Proportional,
            problem.Objective, LatencyLimits(s), problem.Partition.MiniBatches, s.OptionalCount("node-cap"), s.Count("seed", Defaults.Seed, minimum: 0),
            EnforceLimits: s.Choice("limits", "hard", "hard", "soft") == "hard",
            Layers: LayerViews.Parse(s.Choice("layers", LayerViews.Spelling(Defaults.Layers), "operators", "mac")));
        var r = new ScarSearch(problem.Package, problem.Models, problem.CostModel, options, problem.Simulation).Run(problem.Scenario, progress, cancellation);
        var evaluation = EvaluationSequence.Of(problem.Scenario, [.. r.Windows.Select(w => w.Evaluation)]);
        return new ScheduleResult(Name, evaluation, [], ScarReport.From(r));
    }

    /// <summary>The option values that give these settings (the rest stay at their defaults).</summary>
    public static ImmutableDictionary<string, SettingValue> Settings(ScarOptions options, string origin)
    {
        ArgumentNullException.ThrowIfNull(options);
        var values = new Dictionary<string, string>
        {
            ["n-splits"] = $"{options.Splits}", ["top-k"] = $"{options.TopK}", ["seed"] = $"{options.Seed}",
            ["provisioning"] = options.Provisioning.ToString().ToLowerInvariant(), ["limits"] = options.EnforceLimits ? "hard" : "soft",
            ["layers"] = LayerViews.Spelling(options.Layers),
        };
        if (options.NodeCap is { } cap) values["node-cap"] = $"{cap}";
        var settings = values.ToImmutableDictionary(v => v.Key, v => new SettingValue([v.Value], origin), StringComparer.Ordinal);
        return options.LatencyLimits is { Count: > 0 } limits
            ? settings.Add("latency-limit", new SettingValue([.. limits.Select(l => string.Create(CultureInfo.InvariantCulture, $"{l.Key}={l.Value:R}"))], origin))
            : settings;
    }

    /// <summary>MODEL=SECONDS values → limits by model label.</summary>
    private static ImmutableDictionary<string, double>? LatencyLimits(SchedulerSettings settings)
    {
        var pairs = settings.List("latency-limit");
        if (pairs.IsEmpty) return null;
        var limits = ImmutableDictionary.CreateBuilder<string, double>(StringComparer.Ordinal);
        foreach (var pair in pairs)
        {
            int eq = pair.LastIndexOf('=');
            if (eq <= 0 || !double.TryParse(pair.AsSpan(eq + 1), NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds))
                throw TesseraInputException.At(settings.Origin("latency-limit"), $"latency-limit '{pair}'; expected MODEL=SECONDS, e.g. bert-large=0.05");
            limits[pair[..eq].Trim()] = seconds;
        }
        return limits.ToImmutable();
    }
}

/// <summary>A window of the plan as reported: its number (from 1), latency, energy, candidates simulated and each model's segments.</summary>
public sealed record ScarWindowReport(int Window, double LatencySeconds, double EnergyJ, int Candidates, IReadOnlyList<ScarModelPlan> Models);

/// <summary>
/// SCAR's account: the objective and its value on the windows' summed latency and energy, each model's latency against
/// its limit, the windows, how much was simulated.
/// </summary>
public sealed record ScarReport(string Objective, double ObjectiveValue, double LatencySeconds, double EnergyJ, int Simulations, double WallSeconds,
    IReadOnlyList<ScarModelLatency> Models, IReadOnlyList<ScarWindowReport> Windows) : SearchReport("scar")
{
    public static ScarReport From(ScarResult r)
    {
        ArgumentNullException.ThrowIfNull(r);
        return new(r.Objective, r.ObjectiveValue, r.LatencySeconds, r.EnergyJ, r.Simulations, r.WallSeconds, r.Models,
            [.. r.Windows.Select(w => new ScarWindowReport(w.Index + 1, w.LatencySeconds, w.EnergyJ, w.Candidates, w.Models))]);
    }
}

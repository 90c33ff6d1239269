using System.Collections.Immutable;
using Tessera.Chiplets;
using Tessera.Costs;
using Tessera.Economics;
using Tessera.Evaluation;
using Tessera.Reports;
using Tessera.Scoring;
using Tessera.Technology;
using Tessera.Workloads;
using Tessera.Workloads.Zoo;

namespace Tessera.Studies;

/// <summary>Service-level targets: time to first token and time per output token (seconds).</summary>
public sealed record ServingTargets(double TtftSeconds, double TpotSeconds);

/// <summary>
/// The LLM-serving study's inputs (llm-serving.yaml). <see cref="Objective"/> ranks the disaggregated packages that
/// meet the targets to pick the bespoke one (per output token: latency = TPOT, energy per token, package cost).
/// </summary>
public sealed record LlmServingConfig(
    TransformerConfig Model, int Bits, double RequestRate, int PromptTokens, int OutputTokens, int Batch,
    ServingTargets Targets, int MaxModulesPerChiplet, ImmutableDictionary<string, ChipletSpec> Designs,
    GroupSpace Prefill, GroupSpace Decode, GroupSpace Homogeneous, int Show, Objective Objective, BaselineMatch Match = BaselineMatch.Cost)
{
    /// <summary>How the packages' dies and packaging are priced (<c>cost_profile:</c>; the default profile when absent).</summary>
    public CostProfile CostProfile { get; init; } = CostProfile.Default;

    /// <summary>The KV length a decode step sees on average: the prompt plus half the output.</summary>
    public int MeanContext => PromptTokens + OutputTokens / 2;

    public static LlmServingConfig Load(string? path, TechnologyLibrary t)
    {
        var (r, root) = StudyFiles.Open(LlmServingStudy.Name, path);
        r.KnownKeys(root, "the study", "model", "bits", "request_rate", "prompt_tokens", "output_tokens", "batch", "targets",
            "max_modules_per_chiplet", "designs", "prefill", "decode", "homogeneous", "show", "baseline_match", "objective", "cost_profile");
        var designs = StudyFiles.Designs(r, root, t);
        var targets = r.Mapping(r.Need(root, "targets", "the study"), "targets");
        r.KnownKeys(targets, "the study", "ttft", "tpot");
        return new LlmServingConfig(
            TransformerSizing.Read(r, r.Need(root, "model", "the study"), "model"),
            r.Bits(r.Need(root, "bits", "the study"), "bits"), StudyFiles.Number(r, root, "request_rate"), StudyFiles.Int(r, root, "prompt_tokens"),
            StudyFiles.Int(r, root, "output_tokens"), StudyFiles.Int(r, root, "batch"),
            new ServingTargets(StudyFiles.Seconds(r, targets, "ttft"), StudyFiles.Seconds(r, targets, "tpot")),
            StudyFiles.Int(r, root, "max_modules_per_chiplet"), designs,
            StudyFiles.Space(r, root, "prefill", designs, t), StudyFiles.Space(r, root, "decode", designs, t),
            StudyFiles.Space(r, root, "homogeneous", designs, t), StudyFiles.Int(r, root, "show"),
            StudyFiles.Objective(r, root), StudyFiles.Match(r, root)) { CostProfile = StudyFiles.CostProfile(r, root) };
    }
}

/// <summary>
/// One serving package evaluated: simulated prefill (one request batch), decode step (at the mean KV length) and
/// KV-cache transfer, and what follows from them. Null stages mean the package was not simulated (its KV cache and
/// weights do not fit its memory).
/// </summary>
public sealed record ServingEvaluation(
    string Label, bool Disaggregated, ComposedPackage Package, double MemoryNeededBytes, double MemoryCapacityBytes,
    Metrics? Prefill, Metrics? DecodeStep, Metrics? KvTransfer,
    double TtftSeconds, double TpotSeconds, double CapacityTokensPerSecond, double TokensPerSecond,
    double EnergyPerTokenJ, double CostPerMillionTokensUsd, ImmutableArray<string> Misses) : IStudyPackage
{
    public bool MemoryFits => MemoryNeededBytes <= MemoryCapacityBytes;
    public bool MeetsTargets => Misses.IsEmpty;
    public double TokensPerSecondPerWatt => 1 / EnergyPerTokenJ;

    /// <summary>Energy per token × package cost (J·$), Mozart's energy-cost.</summary>
    public double EnergyCost => EnergyPerTokenJ * Package.CostUsd;

    /// <summary>What the objective scores, per output token: latency = TPOT, energy per token, the package cost.</summary>
    public Metrics PerToken => Metrics.Of(TpotSeconds, EnergyPerTokenJ, Package.CostUsd);
}

/// <summary>A homogeneous baseline family (design and memory) and its package of nearest cost that meets the targets.</summary>
public sealed record ServingBaseline(string Family, ServingEvaluation? Nearest);

/// <summary>
/// The study's result. <see cref="Evaluations"/> holds the physically legal packages only; <see cref="Rejected"/> the
/// ones the floorplanner rejects. <see cref="Cheapest"/> is null when no package meets the targets;
/// <see cref="Closest"/> then says by how much (null when no package is legal).
/// </summary>
public sealed record LlmServingResult(
    LlmServingConfig Config, ImmutableArray<ServingEvaluation> Evaluations, ServingEvaluation? Cheapest, ServingEvaluation? Bespoke,
    ImmutableArray<ServingBaseline> Baselines, ServingEvaluation? Closest, ImmutableArray<RejectedPackage> Rejected,
    long KvBytesPerToken, long WeightBytes, int Simulations, double WallSeconds) : StudyResult(LlmServingStudy.Name)
{
    /// <summary>The cheapest packages that meet the targets, cheapest first.</summary>
    public IEnumerable<ServingEvaluation> Meeting => Evaluations.Where(e => e.MeetsTargets).OrderBy(e => e.Package.CostUsd).ThenBy(e => e.Label, StringComparer.Ordinal);

    public override ImmutableArray<ResultTable> ToTables()
    {
        var c = Config;
        var rows = Meeting.Take(c.Show).Concat(new[] { Bespoke }.OfType<ServingEvaluation>())
            .Concat(Baselines.Select(b => b.Nearest).OfType<ServingEvaluation>()).Distinct();
        IEnumerable<string> Roles(ServingEvaluation e) =>
            new[] { (e == Cheapest, "cheapest"), (e == Bespoke, "bespoke") }.Where(x => x.Item1).Select(x => x.Item2)
                .Concat(Baselines.Where(b => b.Nearest == e).Select(b => $"baseline {b.Family}"));
        var packages = new ResultTable(
            $"LLM serving: {c.Model.Name}, {c.Bits}-bit, {c.RequestRate:0.##} requests/s, prompt {c.PromptTokens}, output {c.OutputTokens}, batch {c.Batch}; " +
            $"targets TTFT ≤ {c.Targets.TtftSeconds:0.###} s, TPOT ≤ {c.Targets.TpotSeconds:0.###} s",
            $"weights {WeightBytes / (double)(1L << 30):0.00} GiB, KV cache {KvBytesPerToken / 1024.0:0.00} KiB per token; {Evaluations.Length} legal packages ({Rejected.Length} rejected by the floorplan), {Evaluations.Count(e => e.MeetsTargets)} meet the targets; " +
            $"{Simulations} simulations ({CostModel} cost model), {WallSeconds:0.0} s",
            [.. StudyReport.PackageColumns, new("TTFT", ValueKind.Seconds), new("TPOT", ValueKind.Seconds), new("KV xfer", ValueKind.Seconds),
                new("tokens/s", ValueKind.PerSecond), new("tokens/J", ValueKind.PerJoule), new("energy/token", ValueKind.Joules),
                new("per M tokens", ValueKind.Usd), new("E·C per token", ValueKind.JouleUsd)],
            [.. rows.Select(e => ImmutableArray.Create<ResultValue>([.. StudyReport.PackageCells(e, Roles(e)), e.TtftSeconds, e.TpotSeconds,
                e.KvTransfer?.LatencySeconds ?? 0, e.TokensPerSecond, e.TokensPerSecondPerWatt, e.EnergyPerTokenJ, e.CostPerMillionTokensUsd, e.EnergyCost]))],
            [
                Cheapest is { } cheapest ? $"cheapest package meeting the targets: {cheapest.Label} (${cheapest.Package.CostUsd:N0}, {cheapest.Package.Describe()})"
                    : Closest is { } closest ? $"no package meets the targets; the closest, {closest.Label}, misses: {string.Join("; ", closest.Misses)}"
                    : "no package is physically legal",
                Bespoke is { } chosen ? $"bespoke package: {chosen.Label}, the disaggregated package meeting the targets with the lowest {c.Objective} per token (latency = TPOT)"
                    : "no disaggregated package meets the targets",
            ]);
        var baselines = Bespoke is not { } bespoke ? null : StudyReport.Baselines(c.Match, bespoke, Baselines.Select(b => (b.Family, b.Nearest)), "meets the targets",
            [new("energy/token", ValueKind.Joules), new("bespoke energy ×", ValueKind.Ratio), new("E·C per token", ValueKind.JouleUsd), new("bespoke E·C ×", ValueKind.Ratio)],
            n => [n.EnergyPerTokenJ, bespoke.EnergyPerTokenJ / n.EnergyPerTokenJ, n.EnergyCost, bespoke.EnergyCost / n.EnergyCost]);
        return StudyReport.Tables(packages, baselines, StudyReport.Rejected(Rejected));
    }

    public override object ToJson() => new
    {
        Study, CostModel, Objective = Config.Objective.Name, CostProfile = Config.CostProfile.Name,
        Model = Config.Model.Name, Config.Bits, Config.RequestRate, Config.PromptTokens, Config.OutputTokens, Config.Batch,
        Config.Targets, KvBytesPerToken, WeightBytes, BaselineMatch = Config.Match,
        Cheapest = Cheapest is { } c ? Json(c) : null,
        Bespoke = Bespoke is { } b ? Json(b) : null,
        Baselines = Baselines.Select(x => new { x.Family, Nearest = x.Nearest is { } n ? Json(n) : null }),
        Closest = Cheapest is null && Closest is { } closest ? Json(closest) : null,
        Evaluations = Evaluations.Select(Json),
        Rejected = Rejected.Select(StudyReport.Rejected),
        Simulations, WallSeconds,
    };

    private static object Json(ServingEvaluation e) => new
    {
        e.Label, e.Disaggregated, Package = StudyReport.Package(e.Package), e.MemoryNeededBytes, e.MemoryCapacityBytes,
        TtftSeconds = StudyReport.Finite(e.TtftSeconds), TpotSeconds = StudyReport.Finite(e.TpotSeconds), KvTransferSeconds = e.KvTransfer?.LatencySeconds,
        e.CapacityTokensPerSecond, e.TokensPerSecond, EnergyPerTokenJ = StudyReport.Finite(e.EnergyPerTokenJ),
        TokensPerSecondPerWatt = StudyReport.Finite(e.TokensPerSecondPerWatt), CostPerMillionTokensUsd = StudyReport.Finite(e.CostPerMillionTokensUsd),
        EnergyCost = StudyReport.Finite(e.EnergyCost), e.MeetsTargets, e.Misses,
    };
}

/// <summary>
/// LLM serving. Disaggregated packages run prefill on one chiplet group and decode on another, with the prompt's KV
/// cache sent between them over the package links (a simulated transfer, charged to the decode side once per batch);
/// homogeneous packages run both phases on all their chiplets, one after the other. TTFT = simulated prefill latency
/// of one request batch (queueing is not modelled); TPOT = simulated decode-step latency at the mean KV length. A
/// batch occupies the decode side for transfer + output × TPOT and the prefill side for TTFT, so a disaggregated
/// package serves batch × output tokens per max of the two (pipelined), a homogeneous one per their sum. Served
/// tokens/s are capped by the request rate, and a package must sustain it. Weights and KV cache (batch × (prompt +
/// output) tokens, sized by KV heads) must fit each group's whole memory modules (at most max_modules_per_chiplet
/// per chiplet). Cost per million tokens = package cost over the service lifetime at the served rate + energy ×
/// PUE × electricity price. Reported: the cheapest package meeting the targets, and the bespoke package: the
/// disaggregated one meeting them that the study's objective ranks first.
/// </summary>
public sealed class LlmServingStudy : IStudy
{
    public const string Name = "llm-serving";

    string IStudy.Name => Name;

    public string Description => "LLM serving: prefill and decode (disaggregated or not), KV cache, TTFT/TPOT targets, $ per million tokens";

    public string DefaultYaml => StudyFiles.DefaultText(Name);

    public void Validate(StudyOptions options) => LlmServingConfig.Load(options.Path, options.Technology);

    public StudyResult Run(StudyOptions options, IProgress<double>? progress, CancellationToken cancellation) =>
        Run(LlmServingConfig.Load(options.Path, options.Technology), options.Technology, options.Simulator(), progress, cancellation);

    /// <summary>Runs a loaded study; the simulator (its cost model and cache) is the caller's, or a new one on the default cost model.</summary>
    public static LlmServingResult Run(LlmServingConfig c, TechnologyLibrary t, StageSimulator? simulator = null,
        IProgress<double>? progress = null, CancellationToken cancellation = default)
    {
        var setup = new StudySetup(t, c.Designs, c.CostProfile, simulator);
        var sim = setup.Simulator;
        var operating = OperatingCosts.From(t);
        long kvPerToken = TransformerSizing.KvBytesPerToken(c.Model, c.Bits);
        long weights = TransformerSizing.WeightBytes(c.Model, c.Bits);
        double prefillBytes = weights + (double)c.Batch * c.PromptTokens * kvPerToken;
        double decodeBytes = weights + (double)c.Batch * (c.PromptTokens + c.OutputTokens) * kvPerToken;

        ChipletGroup Group(string role, string design, int count, string memory, double bytes) => setup.Group(role, design, count, memory,
            Math.Min(PackageComposer.ModulesFor(t, memory, bytes, count), count * c.MaxModulesPerChiplet));

        var plans = new List<(string Label, bool Disaggregated, ChipletGroup[] Groups)>();
        foreach (var (pd, pn, pm) in c.Prefill.Combinations())
            foreach (var (dd, dn, dm) in c.Decode.Combinations())
                plans.Add(($"P {pn}×{pd}+{pm} / D {dn}×{dd}+{dm}", true,
                    [Group("prefill", pd, pn, pm, prefillBytes), Group("decode", dd, dn, dm, decodeBytes)]));
        foreach (var (d, n, m) in c.Homogeneous.Combinations())
            plans.Add(($"{n}×{d}+{m}", false, [Group("all", d, n, m, decodeBytes)]));

        // An illegal package cannot be built, so it is neither simulated nor chosen.
        var (legal, rejected) = LegalityGate.Split(plans.Select(p => setup.Compose(p.Label, p.Groups)));
        var disaggregatedByName = plans.ToDictionary(p => p.Label, p => p.Disaggregated, StringComparer.Ordinal);
        var evaluations = ImmutableArray.CreateBuilder<ServingEvaluation>();
        for (int i = 0; i < legal.Length; i++)
        {
            cancellation.ThrowIfCancellationRequested();
            var package = legal[i];
            evaluations.Add(Evaluate(c, t, sim, operating, package.Name, disaggregatedByName[package.Name], package, prefillBytes, decodeBytes, kvPerToken));
            progress?.Report((i + 1) / (double)legal.Length);
        }
        var all = evaluations.ToImmutable();
        var meeting = all.Where(e => e.MeetsTargets).ToList();
        var cheapest = meeting.OrderBy(e => e.Package.CostUsd).ThenBy(e => e.EnergyPerTokenJ).FirstOrDefault();
        var bespoke = meeting.Where(e => e.Disaggregated).OrderBy(e => c.Objective.Score(e.PerToken)).FirstOrDefault();
        var reference = bespoke ?? cheapest;
        var baselines = c.Match.Nearest(c.Homogeneous, meeting.Where(e => !e.Disaggregated), e => e.Package, reference?.Package)
            .Select(b => new ServingBaseline(b.Family, b.Nearest)).ToImmutableArray();
        var closest = all.OrderBy(e => Shortfall(e, c)).ThenBy(e => e.Package.CostUsd).FirstOrDefault();
        return new LlmServingResult(c, all, cheapest, bespoke, baselines, closest, rejected, kvPerToken, weights,
            sim.Simulations, setup.WallSeconds) { CostModel = sim.CostModel };
    }

    /// <summary>The worst relative miss of a package (0 when it meets everything); memory misses rank last.</summary>
    private static double Shortfall(ServingEvaluation e, LlmServingConfig c) => !e.MemoryFits ? double.MaxValue
        : Math.Max(0, Math.Max(Math.Max(e.TtftSeconds / c.Targets.TtftSeconds, e.TpotSeconds / c.Targets.TpotSeconds),
            c.RequestRate * c.OutputTokens / e.CapacityTokensPerSecond) - 1);

    private static ServingEvaluation Evaluate(LlmServingConfig c, TechnologyLibrary t, StageSimulator sim, OperatingCosts operating,
        string label, bool disaggregated, ComposedPackage p, double prefillBytes, double decodeBytes, long kvPerToken)
    {
        string prefillRole = disaggregated ? "prefill" : "all", decodeRole = disaggregated ? "decode" : "all";
        double Capacity(ChipletGroup g) => (double)g.MemoryModules * t.Dram(g.MemoryType).CapacityBytes;
        var prefillGroup = p.Group(prefillRole);
        var decodeGroup = p.Group(decodeRole);
        // The tightest group decides whether the model fits: needed ÷ capacity.
        var fits = new[] { (prefillBytes, Capacity(prefillGroup)), (decodeBytes, Capacity(decodeGroup)) }
            .MaxBy(x => x.Item1 / x.Item2);
        var misses = ImmutableArray.CreateBuilder<string>();
        if (fits.Item1 > fits.Item2)
        {
            misses.Add($"memory: weights + KV cache need {fits.Item1 / (1L << 30):0.0} GiB, the modules hold {fits.Item2 / (1L << 30):0.0} GiB");
            return new ServingEvaluation(label, disaggregated, p, fits.Item1, fits.Item2, null, null, null,
                double.PositiveInfinity, double.PositiveInfinity, 0, 0, double.PositiveInfinity, double.PositiveInfinity, misses.ToImmutable());
        }

        var model = c.Model;
        var prefill = sim.Model($"{model.Name}-prefill-b{c.Batch}-S{c.PromptTokens}-{c.Bits}b@{prefillGroup.HardwareKey}", p.Of(prefillRole),
            () => new ModelInstance(model.Name, ModelZoo.CreateTransformer(model,
                new ModelOptions(c.Batch, c.Bits, TransformerPhase.Prefill, SequenceLength: c.PromptTokens)), c.Batch));
        var decode = sim.Model($"{model.Name}-decode-b{c.Batch}-L{c.MeanContext}-{c.Bits}b@{decodeGroup.HardwareKey}", p.Of(decodeRole),
            () => new ModelInstance(model.Name, ModelZoo.CreateTransformer(model,
                new ModelOptions(c.Batch, c.Bits, TransformerPhase.Decode, ContextLength: c.MeanContext)), c.Batch));
        long kvBytes = (long)c.Batch * c.PromptTokens * kvPerToken;
        var transfer = disaggregated
            ? sim.Transfer($"kv-{kvBytes}@{StageSimulator.HardwareKey(p)}", p, prefillRole, decodeRole, kvBytes)
            : Metrics.Zero;

        double tokensPerBatch = (double)c.Batch * c.OutputTokens;
        var decodeBusy = transfer + decode.Times(c.OutputTokens);
        double batchSeconds = disaggregated ? Math.Max(prefill.LatencySeconds, decodeBusy.LatencySeconds)
            : prefill.LatencySeconds + decodeBusy.LatencySeconds;
        double capacity = tokensPerBatch / batchSeconds;
        double demanded = c.RequestRate * c.OutputTokens;
        double served = Math.Min(capacity, demanded);
        double energyPerToken = (prefill + decodeBusy).EnergyJ / tokensPerBatch;
        double costPerMillion = 1e6 * (p.CostUsd / (operating.LifetimeSeconds * served) + operating.EnergyUsd(energyPerToken));

        if (prefill.LatencySeconds > c.Targets.TtftSeconds)
            misses.Add($"TTFT {prefill.LatencySeconds * 1e3:0.0} ms > target {c.Targets.TtftSeconds * 1e3:0.0} ms (+{(prefill.LatencySeconds / c.Targets.TtftSeconds - 1) * 100:0.0} %)");
        if (decode.LatencySeconds > c.Targets.TpotSeconds)
            misses.Add($"TPOT {decode.LatencySeconds * 1e3:0.00} ms > target {c.Targets.TpotSeconds * 1e3:0.00} ms (+{(decode.LatencySeconds / c.Targets.TpotSeconds - 1) * 100:0.0} %)");
        if (capacity < demanded)
            misses.Add($"rate: serves {capacity:0.0} tokens/s < {demanded:0.0} demanded ({c.RequestRate:0.##} requests/s × {c.OutputTokens} tokens)");
        return new ServingEvaluation(label, disaggregated, p, fits.Item1, fits.Item2, prefill, decode, transfer,
            prefill.LatencySeconds, decode.LatencySeconds, capacity, served, energyPerToken, costPerMillion, misses.ToImmutable());
    }
}

using System.Collections.Immutable;
using Tessera.Costs;
using Tessera.Economics;
using Tessera.Evaluation;
using Tessera.Technology;
using Tessera.Workloads;
using Tessera.Workloads.Zoo;

namespace Tessera.Studies;

/// <summary>Service-level targets: time to first token and time per output token (seconds).</summary>
public sealed record ServingTargets(double TtftSeconds, double TpotSeconds);

/// <summary>The LLM-serving study's inputs (llm-serving.yaml).</summary>
public sealed record LlmServingConfig(
    TransformerConfig Model, int Bits, double RequestRate, int PromptTokens, int OutputTokens, int Batch,
    ServingTargets Targets, int MaxModulesPerChiplet, ImmutableDictionary<string, ChipletSpec> Designs,
    GroupSpace Prefill, GroupSpace Decode, GroupSpace Homogeneous, int Show, BaselineMatch Match = BaselineMatch.Cost)
{
    /// <summary>The KV length a decode step sees on average: the prompt plus half the output.</summary>
    public int MeanContext => PromptTokens + OutputTokens / 2;

    public static LlmServingConfig Load(string? path, TechnologyLibrary t)
    {
        var (r, root) = StudyFiles.Open(LlmServingStudy.Name, path);
        r.KnownKeys(root, "the study", "model", "bits", "request_rate", "prompt_tokens", "output_tokens", "batch", "targets",
            "max_modules_per_chiplet", "designs", "prefill", "decode", "homogeneous", "show", "baseline_match");
        var designs = StudyFiles.Designs(r, root, t);
        var targets = r.Mapping(r.Need(root, "targets", "the study"), "targets");
        r.KnownKeys(targets, "the study", "ttft", "tpot");
        return new LlmServingConfig(
            TransformerSizing.Read(r, r.Need(root, "model", "the study"), "model"),
            StudyFiles.Int(r, root, "bits"), StudyFiles.Number(r, root, "request_rate"), StudyFiles.Int(r, root, "prompt_tokens"),
            StudyFiles.Int(r, root, "output_tokens"), StudyFiles.Int(r, root, "batch"),
            new ServingTargets(StudyFiles.Seconds(r, targets, "ttft"), StudyFiles.Seconds(r, targets, "tpot")),
            StudyFiles.Int(r, root, "max_modules_per_chiplet"), designs,
            StudyFiles.Space(r, root, "prefill", designs, t), StudyFiles.Space(r, root, "decode", designs, t),
            StudyFiles.Space(r, root, "homogeneous", designs, t), StudyFiles.Int(r, root, "show"), StudyFiles.Match(r, root));
    }
}

/// <summary>
/// One serving package evaluated: simulated prefill (one request batch), decode step (at the mean KV length) and
/// KV-cache transfer, and what follows from them. Null stages mean the package was not simulated (its KV cache and
/// weights do not fit its memory).
/// </summary>
public sealed record ServingEvaluation(
    string Label, bool Disaggregated, ComposedPackage Package, double MemoryNeededBytes, double MemoryCapacityBytes,
    StageResult? Prefill, StageResult? DecodeStep, StageResult? KvTransfer,
    double TtftSeconds, double TpotSeconds, double CapacityTokensPerSecond, double TokensPerSecond,
    double EnergyPerTokenJ, double CostPerMillionTokensUsd, ImmutableArray<string> Misses)
{
    public bool MemoryFits => MemoryNeededBytes <= MemoryCapacityBytes;
    public bool MeetsTargets => Misses.IsEmpty;
    public double TokensPerSecondPerWatt => 1 / EnergyPerTokenJ;

    /// <summary>Energy per token × package cost (J·$), Mozart's energy-cost.</summary>
    public double EnergyCost => EnergyPerTokenJ * Package.CostUsd;
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
    long KvBytesPerToken, long WeightBytes, int Simulations, double WallSeconds)
{
    /// <summary>The cheapest packages that meet the targets, cheapest first.</summary>
    public IEnumerable<ServingEvaluation> Meeting => Evaluations.Where(e => e.MeetsTargets).OrderBy(e => e.Package.CostUsd).ThenBy(e => e.Label, StringComparer.Ordinal);
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
/// PUE × electricity price.
/// </summary>
public static class LlmServingStudy
{
    public const string Name = "llm-serving";

    public static LlmServingResult Run(LlmServingConfig c, TechnologyLibrary t, IOperatorCostModel? costModel = null,
        IProgress<double>? progress = null, StageSimulator? simulator = null)
    {
        var setup = new StudySetup(t, c.Designs, costModel, simulator);
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
        var (legal, rejected) = LegalityGate.Split(plans.Select(p => PackageComposer.Compose(t, p.Label, p.Groups, setup.Options)));
        var disaggregatedByName = plans.ToDictionary(p => p.Label, p => p.Disaggregated, StringComparer.Ordinal);
        var evaluations = ImmutableArray.CreateBuilder<ServingEvaluation>();
        for (int i = 0; i < legal.Length; i++)
        {
            var package = legal[i];
            evaluations.Add(Evaluate(c, t, sim, operating, package.Name, disaggregatedByName[package.Name], package, prefillBytes, decodeBytes, kvPerToken));
            progress?.Report((i + 1) / (double)legal.Length);
        }
        var all = evaluations.ToImmutable();
        var meeting = all.Where(e => e.MeetsTargets).ToList();
        var cheapest = meeting.OrderBy(e => e.Package.CostUsd).ThenBy(e => e.EnergyPerTokenJ).FirstOrDefault();
        var bespoke = meeting.Where(e => e.Disaggregated).OrderBy(e => e.EnergyCost).FirstOrDefault();
        var reference = bespoke ?? cheapest;
        var baselines = c.Match.Nearest(c.Homogeneous, meeting.Where(e => !e.Disaggregated), e => e.Package, reference?.Package)
            .Select(b => new ServingBaseline(b.Family, b.Nearest)).ToImmutableArray();
        var closest = all.OrderBy(e => Shortfall(e, c)).ThenBy(e => e.Package.CostUsd).FirstOrDefault();
        return new LlmServingResult(c, all, cheapest, bespoke, baselines, closest, rejected, kvPerToken, weights,
            sim.Simulations, setup.WallSeconds);
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
            : StageResult.None;

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

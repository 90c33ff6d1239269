using System.Collections.Immutable;
using Tessera.Chiplets;
using Tessera.Costs;
using Tessera.Diagnostics;
using Tessera.Economics;
using Tessera.Evaluation;
using Tessera.Reports;
using Tessera.Scoring;
using Tessera.Technology;
using Tessera.Workloads;
using Tessera.Workloads.Zoo;
using Tessera.Yaml;
using YamlDotNet.RepresentationModel;

namespace Tessera.Studies;

/// <summary>Transformer sizes the studies share: KV-cache bytes and weight bytes.</summary>
public static class TransformerSizing
{
    /// <summary>
    /// KV-cache bytes per token: K and V for every layer, sized by the KV heads (grouped-query attention), not the
    /// query heads: 2 × layers × KV heads × head width × bytes per element.
    /// </summary>
    public static long KvBytesPerToken(TransformerConfig c, int bits) => 2L * c.Layers * c.KvHeads * c.HeadDim * bits / 8;

    /// <summary>Bytes of every parameter at the given width.</summary>
    public static long WeightBytes(TransformerConfig c, int bits) =>
        ModelZoo.CreateTransformer(c, new ModelOptions(Bits: bits, Phase: TransformerPhase.Decode, ContextLength: 1)).ParameterBytes;

    /// <summary>A transformer from a study file: a zoo name, or a Llama-style mapping (layers, hidden, heads, kv_heads, ffn, vocab).</summary>
    internal static TransformerConfig Read(YamlReader r, YamlNode node, string what)
    {
        if (node is YamlScalarNode)
        {
            var name = r.Text(node, what);
            return TransformerConfigs.Find(name) ?? throw r.Error(node,
                $"{what} '{name}' is no zoo transformer; expected one of {string.Join(", ", TransformerConfigs.All.Select(c => c.Name))} or a mapping of sizes");
        }
        var map = r.Mapping(node, what);
        int I(string key) => r.PositiveInt(r.Need(map, key, what), key);
        var config = new TransformerConfig(r.Text(r.Need(map, "name", what), "name"), I("layers"), I("hidden"), I("heads"), I("kv_heads"),
            I("ffn"), GatedFfn: true, I("vocab"), NormKind.RmsNorm, PositionKind.Rotary,
            TiedOutput: YamlReader.Find(map, "tied") is { } tied && r.Text(tied, "tied") == "true", HasLmHead: true, TokenTypes: 0, Biases: false);
        try { config.Validate(); }
        catch (TesseraInputException e) { throw r.Error(node, e.Message); }
        return config;
    }
}

/// <summary>Speculative decoding's expected tokens per target step.</summary>
public static class Speculation
{
    /// <summary>
    /// Expected tokens per target verification step with speculation length γ and per-token acceptance α
    /// (Leviathan et al. 2023): (1 − α^(γ+1)) / (1 − α); γ + 1 when every draft token is accepted (α = 1).
    /// </summary>
    public static double ExpectedTokens(double alpha, int gamma)
    {
        if (alpha is < 0 or > 1 || double.IsNaN(alpha))
            throw new TesseraInputException($"acceptance rate {alpha}; expected 0 ≤ α ≤ 1");
        if (gamma < 0)
            throw new TesseraInputException($"speculation length {gamma}; expected γ ≥ 0");
        return alpha == 1 ? gamma + 1 : (1 - Math.Pow(alpha, gamma + 1)) / (1 - alpha);
    }
}

/// <summary>
/// The speculative-decoding study's inputs (speculative-decoding.yaml). <see cref="Objective"/> ranks the legal
/// heterogeneous packages at the reference α and γ to pick the bespoke one (per output token of a sequence: latency =
/// step time ÷ expected tokens, energy per token, package cost).
/// </summary>
public sealed record SpeculativeConfig(
    TransformerConfig Target, TransformerConfig Draft, int Bits, int Batch, int Context,
    ImmutableArray<double> Alphas, ImmutableArray<int> Gammas, ImmutableDictionary<string, ChipletSpec> Designs,
    GroupSpace DraftSpace, GroupSpace TargetSpace, GroupSpace Baselines, double ReferenceAlpha, int ReferenceGamma,
    Objective Objective, BaselineMatch Match = BaselineMatch.Cost)
{
    /// <summary>How the packages' dies and packaging are priced (<c>cost_profile:</c>; the default profile when absent).</summary>
    public CostProfile CostProfile { get; init; } = CostProfile.Default;

    public static SpeculativeConfig Load(string? path, TechnologyLibrary t)
    {
        var (r, root) = StudyFiles.Open(SpeculativeDecodingStudy.Name, path);
        r.KnownKeys(root, "the study", "target", "draft", "bits", "batch", "context", "alphas", "gammas", "reference", "designs", "heterogeneous", "baselines", "baseline_match", "objective", "cost_profile");
        var designs = StudyFiles.Designs(r, root, t);
        var alphas = StudyFiles.Numbers(r, root, "alphas");
        var alphaNode = r.Sequence(r.Need(root, "alphas", "the study"), "alphas");
        for (int i = 0; i < alphas.Length; i++)
            if (alphas[i] is < 0 or > 1)
                throw r.Error(alphaNode.Children[i], $"acceptance rate {alphas[i]}; expected 0 ≤ α ≤ 1");
        var het = r.Mapping(r.Need(root, "heterogeneous", "the study"), "heterogeneous");
        r.KnownKeys(het, "the study", "draft", "target");
        var reference = r.Mapping(r.Need(root, "reference", "the study"), "reference");
        r.KnownKeys(reference, "the study", "alpha", "gamma");
        var gammas = StudyFiles.Ints(r, root, "gammas");
        var referenceAlpha = r.NonNegative(r.Need(reference, "alpha", "reference"), "alpha");
        if (!alphas.Contains(referenceAlpha))
            throw r.Error(reference, $"reference alpha {referenceAlpha} is not among the alphas");
        var referenceGamma = r.PositiveInt(r.Need(reference, "gamma", "reference"), "gamma");
        if (!gammas.Contains(referenceGamma))
            throw r.Error(reference, $"reference gamma {referenceGamma} is not among the gammas");
        return new SpeculativeConfig(
            TransformerSizing.Read(r, r.Need(root, "target", "the study"), "target"),
            TransformerSizing.Read(r, r.Need(root, "draft", "the study"), "draft"),
            r.Bits(r.Need(root, "bits", "the study"), "bits"), StudyFiles.Int(r, root, "batch"), StudyFiles.Int(r, root, "context"),
            alphas, gammas, designs, StudyFiles.Space(r, het, "draft", designs, t), StudyFiles.Space(r, het, "target", designs, t),
            StudyFiles.Space(r, root, "baselines", designs, t), referenceAlpha, referenceGamma,
            StudyFiles.Objective(r, root), StudyFiles.Match(r, root)) { CostProfile = StudyFiles.CostProfile(r, root) };
    }
}

/// <summary>Throughput and energy of one package at one (α, γ).</summary>
public sealed record SpeculativePoint(double Alpha, int Gamma, double ExpectedTokens, double StepSeconds, double TokensPerSecond, double EnergyPerTokenJ);

/// <summary>One package of the study: the simulated draft step and verification passes, and every (α, γ) point.</summary>
public sealed record SpeculativePackage(string Label, bool Heterogeneous, ComposedPackage Package, Metrics DraftStep,
    ImmutableArray<(int Gamma, Metrics Verify)> Verifications, ImmutableArray<SpeculativePoint> Points) : IStudyPackage
{
    public SpeculativePoint At(double alpha, int gamma) => Points.First(p => p.Alpha == alpha && p.Gamma == gamma);

    /// <summary>What the objective scores at one (α, γ), per output token of a sequence: step time ÷ expected tokens, energy per token, the package cost.</summary>
    public Metrics PerTokenAt(double alpha, int gamma)
    {
        var p = At(alpha, gamma);
        return Metrics.Of(p.StepSeconds / p.ExpectedTokens, p.EnergyPerTokenJ, Package.CostUsd);
    }
}

/// <summary>
/// The study's result: every heterogeneous package tried, the chosen one (lowest objective at the reference α and
/// γ) and the equal-cost homogeneous baselines. Only physically legal packages are evaluated:
/// <see cref="Rejected"/> lists the others with their violations; <see cref="Bespoke"/> is null (and there are no
/// baselines to match it) when no heterogeneous package is legal.
/// </summary>
public sealed record SpeculativeResult(SpeculativeConfig Config, ImmutableArray<SpeculativePackage> Heterogeneous, SpeculativePackage? Bespoke,
    ImmutableArray<SpeculativePackage> Baselines, ImmutableArray<RejectedPackage> Rejected, int Simulations, double WallSeconds)
    : StudyResult(SpeculativeDecodingStudy.Name)
{
    public override ImmutableArray<ResultTable> ToTables()
    {
        var c = Config;
        var reference = $"α {c.ReferenceAlpha:0.##}, γ {c.ReferenceGamma}";
        var packages = new ResultTable(
            $"speculative decoding: target {c.Target.Name}, draft {c.Draft.Name}, {c.Bits}-bit, batch {c.Batch}, context {c.Context}",
            $"{Simulations} simulations ({CostModel} cost model), {WallSeconds:0.0} s; baselines run draft and target one after the other on the same chiplets, " +
            $"at about the bespoke package's {c.Match.ToString().ToLowerInvariant()}",
            [.. StudyReport.PackageColumns, new("draft step", ValueKind.Seconds), .. c.Gammas.Select(g => new ResultColumn($"verify γ{g}", ValueKind.Seconds)),
                new($"tokens/s at {reference}", ValueKind.PerSecond), new("energy/token", ValueKind.Joules), new("E·C per token", ValueKind.JouleUsd)],
            [.. Heterogeneous.Concat(Baselines).Select(p =>
            {
                var at = p.At(c.ReferenceAlpha, c.ReferenceGamma);
                return ImmutableArray.Create<ResultValue>([.. StudyReport.PackageCells(p, p == Bespoke ? ["bespoke"] : p.Heterogeneous ? [] : ["baseline"]),
                    p.DraftStep.LatencySeconds, .. p.Verifications.Select(v => (ResultValue)v.Verify.LatencySeconds),
                    at.TokensPerSecond, at.EnergyPerTokenJ, at.EnergyPerTokenJ * p.Package.CostUsd]);
            })],
            [Bespoke is { } chosen ? $"bespoke package: {chosen.Label}, the heterogeneous package with the lowest {c.Objective} per token at {reference}"
                : "no heterogeneous package is physically legal"]);
        return StudyReport.Tables(packages, Bespoke is { } bespoke ? Sweep(bespoke) : null, StudyReport.Rejected(Rejected));
    }

    /// <summary>The bespoke package against each baseline at every (α, γ); × = bespoke ÷ baseline.</summary>
    private ResultTable Sweep(SpeculativePackage bespoke) => new(
        $"bespoke package {bespoke.Label} against the baselines over α and γ", "× = bespoke ÷ baseline",
        [new("α", ValueKind.Ratio), new("γ", ValueKind.Count), new("E[tokens]", ValueKind.Ratio), new("bespoke tokens/s", ValueKind.PerSecond),
            new("bespoke energy/token", ValueKind.Joules),
            .. Baselines.SelectMany(b => new ResultColumn[] { new($"{b.Label} tokens/s", ValueKind.PerSecond), new("bespoke throughput ×", ValueKind.Ratio),
                new($"{b.Label} energy/token", ValueKind.Joules), new("bespoke energy ×", ValueKind.Ratio) })],
        [.. bespoke.Points.OrderBy(p => p.Gamma).ThenBy(p => p.Alpha).Select(point => ImmutableArray.Create<ResultValue>([
            point.Alpha, point.Gamma, point.ExpectedTokens, point.TokensPerSecond, point.EnergyPerTokenJ,
            .. Baselines.Select(b => b.At(point.Alpha, point.Gamma)).SelectMany(q => new ResultValue[] {
                q.TokensPerSecond, point.TokensPerSecond / q.TokensPerSecond, q.EnergyPerTokenJ, point.EnergyPerTokenJ / q.EnergyPerTokenJ })]))],
        []);

    public override object ToJson() => new
    {
        Study, CostModel, Objective = Config.Objective.Name, CostProfile = Config.CostProfile.Name,
        Target = Config.Target.Name, Draft = Config.Draft.Name, Config.Bits, Config.Batch, Config.Context,
        BaselineMatch = Config.Match,
        Reference = new { Alpha = Config.ReferenceAlpha, Gamma = Config.ReferenceGamma },
        Bespoke = Bespoke is { } bespoke ? Json(bespoke) : null,
        Heterogeneous = Heterogeneous.Select(Json),
        Baselines = Baselines.Select(Json),
        Rejected = Rejected.Select(StudyReport.Rejected),
        Simulations, WallSeconds,
    };

    private static object Json(SpeculativePackage p) => new
    {
        p.Label, p.Heterogeneous, Package = StudyReport.Package(p.Package),
        DraftStepSeconds = p.DraftStep.LatencySeconds, DraftStepJ = p.DraftStep.EnergyJ,
        Verifications = p.Verifications.Select(v => new { v.Gamma, Seconds = v.Verify.LatencySeconds, Joules = v.Verify.EnergyJ }),
        p.Points,
    };
}

/// <summary>
/// Speculative decoding: one step is γ draft decode steps (each simulated at the context length; the few extra
/// positions are ignored) followed by one target pass verifying γ + 1 tokens against the KV cache. The draft runs on
/// its own chiplets and the target on others in a heterogeneous package (the study tries each draft group × target
/// group and keeps the one its objective ranks first at the reference α and γ); a homogeneous baseline runs
/// both, one after the other, tensor parallel over all its chiplets. Throughput = batch × expected tokens ÷ step time;
/// energy per token = step energy ÷ (batch × expected tokens). The token ids handed between draft and target are
/// a few bytes and are not simulated.
/// </summary>
public sealed class SpeculativeDecodingStudy : IStudy
{
    public const string Name = "speculative-decoding";

    string IStudy.Name => Name;

    public string Description => "speculative decoding: a draft on small chiplets, the target on large ones, swept over α and γ";

    public string DefaultYaml => StudyFiles.DefaultText(Name);

    public void Validate(StudyOptions options) => SpeculativeConfig.Load(options.Path, options.Technology);

    public StudyResult Run(StudyOptions options, IProgress<double>? progress, CancellationToken cancellation) =>
        Run(SpeculativeConfig.Load(options.Path, options.Technology), options.Technology, options.Simulator(), progress, cancellation);

    /// <summary>Runs a loaded study; the simulator (its cost model and cache) is the caller's, or a new one on the default cost model.</summary>
    public static SpeculativeResult Run(SpeculativeConfig c, TechnologyLibrary t, StageSimulator? simulator = null,
        IProgress<double>? progress = null, CancellationToken cancellation = default)
    {
        var setup = new StudySetup(t, c.Designs, c.CostProfile, simulator);
        var sim = setup.Simulator;
        double draftBytes = TransformerSizing.WeightBytes(c.Draft, c.Bits) + (double)c.Batch * c.Context * TransformerSizing.KvBytesPerToken(c.Draft, c.Bits);
        double targetBytes = TransformerSizing.WeightBytes(c.Target, c.Bits) + (double)c.Batch * c.Context * TransformerSizing.KvBytesPerToken(c.Target, c.Bits);

        ChipletGroup Group(string role, (string Design, int Count, string Memory) g, double bytes) => setup.Group(role, g.Design, g.Count, g.Memory,
            PackageComposer.ModulesFor(t, g.Memory, bytes, g.Count));
        // An illegal package cannot be built, so it is neither simulated nor chosen.
        var (hetPackages, rejectedHet) = LegalityGate.Split(from d in c.DraftSpace.Combinations()
                                                            from g in c.TargetSpace.Combinations()
                                                            select setup.Compose($"D {d.Count}×{d.Design}+{d.Memory} / T {g.Count}×{g.Design}+{g.Memory}",
                                                                [Group("draft", d, draftBytes), Group("target", g, targetBytes)]));
        var (baselineCandidates, rejectedBaselines) = LegalityGate.Split(
            from design in c.Baselines.Designs
            from memory in c.Baselines.Memory
            from n in c.Baselines.Counts
            select setup.Compose($"{n}×{design}+{memory}", [Group("all", (design, n, memory), draftBytes + targetBytes)]));
        int total = (hetPackages.Length + c.Baselines.Designs.Length * c.Baselines.Memory.Length) * (1 + c.Gammas.Length), done = 0;
        void Step()
        {
            cancellation.ThrowIfCancellationRequested();
            progress?.Report(++done / (double)total);
        }
        var heterogeneous = hetPackages.Select(p => Evaluate(c, sim, p.Name, true, p, "draft", "target", Step)).ToImmutableArray();
        var bespoke = heterogeneous.MinBy(h => c.Objective.Score(h.PerTokenAt(c.ReferenceAlpha, c.ReferenceGamma)));

        // Equal cost (or area): for each baseline design and memory, the legal chiplet count nearest the bespoke package.
        var baselinePackages = bespoke is null ? [] : baselineCandidates
            .GroupBy(p => (p.Groups[0].DesignName, p.Groups[0].MemoryType))
            .Select(family => family.MinBy(p => c.Match.Distance(p, bespoke.Package))!)
            .ToList();

        var baselines = baselinePackages.Select(p => Evaluate(c, sim, p.Name, false, p, "all", "all", Step)).ToImmutableArray();
        return new SpeculativeResult(c, heterogeneous, bespoke, baselines, [.. rejectedHet, .. rejectedBaselines],
            sim.Simulations, setup.WallSeconds) { CostModel = sim.CostModel };
    }

    private static SpeculativePackage Evaluate(SpeculativeConfig c, StageSimulator sim, string label, bool heterogeneous,
        ComposedPackage p, string draftRole, string targetRole, Action step)
    {
        var draftGroup = p.Group(draftRole);
        var targetGroup = p.Group(targetRole);
        var draft = sim.Model($"{c.Draft.Name}-decode-b{c.Batch}-L{c.Context}-{c.Bits}b@{draftGroup.HardwareKey}", p.Of(draftRole),
            () => new ModelInstance(c.Draft.Name, ModelZoo.CreateTransformer(c.Draft,
                new ModelOptions(c.Batch, c.Bits, TransformerPhase.Decode, ContextLength: c.Context)), c.Batch));
        step();
        var verifications = c.Gammas.Select(gamma =>
        {
            var verify = sim.Model($"{c.Target.Name}-verify{gamma + 1}-b{c.Batch}-L{c.Context}-{c.Bits}b@{targetGroup.HardwareKey}", p.Of(targetRole),
                () => new ModelInstance(c.Target.Name, ModelZoo.CreateTransformer(c.Target,
                    new ModelOptions(c.Batch, c.Bits, TransformerPhase.Decode, ContextLength: c.Context, DecodeTokens: gamma + 1)), c.Batch));
            step();
            return (gamma, verify);
        }).ToImmutableArray();
        var points = ImmutableArray.CreateBuilder<SpeculativePoint>();
        foreach (var (gamma, verify) in verifications)
        {
            var stepCost = draft.Times(gamma) + verify;
            foreach (var alpha in c.Alphas)
            {
                var tokens = c.Batch * Speculation.ExpectedTokens(alpha, gamma);
                points.Add(new SpeculativePoint(alpha, gamma, tokens / c.Batch, stepCost.LatencySeconds,
                    tokens / stepCost.LatencySeconds, stepCost.EnergyJ / tokens));
            }
        }
        return new SpeculativePackage(label, heterogeneous, p, draft, verifications, points.ToImmutable());
    }
}

using System.Collections.Immutable;
using Tessera.Chiplets;
using Tessera.Diagnostics;
using Tessera.Economics;
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

    /// <summary>
    /// One speculation cycle (from one target verification's start to the next's) when draft and target run on
    /// separate chiplets and overlap: while the target verifies γ + 1 positions, the draft runs ahead γ + 1 steps (it
    /// guesses the target's bonus token and drafts the next group after it). The lookahead is kept when all γ tokens
    /// are accepted and the bonus token matches the draft's guess, with probability k = α^(γ+1); the next
    /// verification then starts after max(T_v, (γ + 1) T_d). Otherwise it is rolled back: the corrected token reaches
    /// the draft after R and the draft drafts γ fresh tokens, so the next verification starts after T_v + R + γ T_d.
    /// Expected cycle time = k max(T_v, (γ + 1) T_d) + (1 − k)(T_v + R + γ T_d); draft steps per cycle =
    /// (γ + 1) + (1 − k) γ (the rolled-back lookahead is paid for); tokens per cycle are <see cref="ExpectedTokens"/>,
    /// as without overlap. At α = 0 this is the sequential cycle plus R (and the wasted lookahead's energy); at α = 1
    /// the draft hides behind the verification.
    /// </summary>
    public static (double Seconds, double DraftSteps, double Rollbacks) OverlappedCycle(double alpha, int gamma, double draftStepSeconds,
        double verifySeconds, double rollbackSeconds)
    {
        ExpectedTokens(alpha, gamma);
        double keep = Math.Pow(alpha, gamma + 1);
        double seconds = keep * Math.Max(verifySeconds, (gamma + 1) * draftStepSeconds)
            + (1 - keep) * (verifySeconds + rollbackSeconds + gamma * draftStepSeconds);
        return (seconds, gamma + 1 + (1 - keep) * gamma, 1 - keep);
    }
}

/// <summary>
/// The speculative-decoding study's inputs (speculative-decoding.yaml). <see cref="Objective"/> ranks the legal
/// packages (split and homogeneous) at the reference α and γ to pick the bespoke one (per output token of a sequence: latency =
/// cycle time ÷ expected tokens, energy per token, package cost).
/// </summary>
public sealed record SpeculativeConfig(
    TransformerConfig Target, TransformerConfig Draft, int Bits, int Batch, int Context,
    ImmutableArray<double> Alphas, ImmutableArray<int> Gammas, ImmutableDictionary<string, ChipletSpec> Designs,
    GroupSpace DraftSpace, GroupSpace TargetSpace, GroupSpace Baselines, double ReferenceAlpha, int ReferenceGamma,
    Objective Objective, BaselineMatch Match = BaselineMatch.Cost)
{
    /// <summary>How the packages' dies and packaging are priced (<c>cost_profile:</c>; the default profile when absent).</summary>
    public CostProfile CostProfile { get; init; } = CostProfile.Default;

    /// <summary>The UCIe-advanced reach choice the floorplan checks links against (<c>ucie_reach:</c>; spec when absent).</summary>
    public string? UcieReach { get; init; }

    /// <summary>The operator cost model the file asks for (<c>cost_model:</c>); the command line's overrides it.</summary>
    public string? CostModel { get; init; }

    /// <summary>
    /// Chiplet counts the draft may be pinned to within a homogeneous package's group, below the group's (or replica's)
    /// size, the target keeping the whole group (<c>draft_share:</c>; none when absent).
    /// </summary>
    public ImmutableArray<int> DraftShares { get; init; } = [];

    /// <summary>Tokens per second a package must serve over all its streams at the reference point (<c>min_tokens_per_second:</c>).</summary>
    public double? MinTokensPerSecond { get; init; }

    /// <summary>Whether the file deploys models as replicas or on part of a group, or sets a throughput target: the report then shows them.</summary>
    public bool Deploys => !DraftShares.IsEmpty || MinTokensPerSecond is not null
        || new[] { DraftSpace, TargetSpace, Baselines }.Any(s => !s.TensorParallel.IsEmpty);

    /// <summary>Whether a package's streams together serve the throughput target at the reference point (always, without one).</summary>
    public bool Serves(SpeculativePackage p) => MinTokensPerSecond is not { } min || p.PackageTokensPerSecond(ReferenceAlpha, ReferenceGamma) >= min;

    public static SpeculativeConfig Load(string? path, TechnologyLibrary t, bool full = false)
    {
        var (r, root) = StudyFiles.Open(SpeculativeDecodingStudy.Name, path, full, "target", "draft", "bits", "batch", "context", "alphas", "gammas",
            "reference", "designs", "heterogeneous", "baselines", "baseline_match", "objective", "cost_profile", "ucie_reach", "cost_model", "draft_share", "min_tokens_per_second");
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
        var (draft, target, baselines) = (StudyFiles.Space(r, het, "draft", designs, t, tensorParallel: true),
            StudyFiles.Space(r, het, "target", designs, t, tensorParallel: true), StudyFiles.Space(r, root, "baselines", designs, t, tensorParallel: true));
        StudyFiles.ContainsBaselines(r, root, "baselines", baselines, ("heterogeneous.draft", draft), ("heterogeneous.target", target));
        return new SpeculativeConfig(
            TransformerSizing.Read(r, r.Need(root, "target", "the study"), "target"),
            TransformerSizing.Read(r, r.Need(root, "draft", "the study"), "draft"),
            r.Bits(r.Need(root, "bits", "the study"), "bits"), StudyFiles.Int(r, root, "batch"), StudyFiles.Int(r, root, "context"),
            alphas, gammas, designs, draft, target, baselines, referenceAlpha, referenceGamma,
            StudyFiles.Objective(r, root), StudyFiles.Match(r, root))
        {
            CostProfile = StudyFiles.CostProfile(r, root), UcieReach = StudyFiles.UcieReach(r, root, t), CostModel = StudyFiles.CostModel(r, root),
            DraftShares = StageSharing.Shares(r, root, "draft_share", baselines, "baselines"),
            MinTokensPerSecond = YamlReader.Find(root, "min_tokens_per_second") is { } min ? r.Positive(min, "min_tokens_per_second") : null,
        };
    }
}

/// <summary>Throughput and energy of one package at one (α, γ); <see cref="StepSeconds"/> is the expected cycle from one verification to the next.</summary>
public sealed record SpeculativePoint(double Alpha, int Gamma, double ExpectedTokens, double StepSeconds, double TokensPerSecond, double EnergyPerTokenJ);

/// <summary>
/// One package of the study: the simulated draft step, verification passes and rollback hand-off, and every (α, γ)
/// point of one stream. <see cref="Split"/>: draft and target on separate groups, overlapped; otherwise one after the
/// other on the same chiplets (a homogeneous baseline, or the draft pinned to <see cref="DraftChiplets"/> of them).
/// </summary>
public sealed record SpeculativePackage(string Label, bool Split, ComposedPackage Package, Metrics DraftStep, Metrics Rollback,
    ImmutableArray<(int Gamma, Metrics Verify)> Verifications, ImmutableArray<SpeculativePoint> Points) : IStudyPackage
{
    /// <summary>Independent streams decoded side by side: model replicas (count ÷ tp), one draft and one target replica per stream.</summary>
    public int Streams { get; init; } = 1;

    /// <summary>The chiplets of the group (of replica 0) the draft is pinned to; null when it runs over the whole group.</summary>
    public int? DraftChiplets { get; init; }

    /// <summary>A homogeneous package with both models over all its chiplets: a baseline.</summary>
    public bool Baseline => !Split && DraftChiplets is null;

    /// <summary>Its groups differ in design.</summary>
    public bool Heterogeneous => Package.IsHeterogeneous();

    /// <summary>Tokens per second of all its streams at one (α, γ).</summary>
    public double PackageTokensPerSecond(double alpha, int gamma) => Streams * At(alpha, gamma).TokensPerSecond;

    public SpeculativePoint At(double alpha, int gamma) => Points.First(p => p.Alpha == alpha && p.Gamma == gamma);

    /// <summary>What the objective scores at one (α, γ), per output token of a sequence: cycle time ÷ expected tokens, energy per token, the package cost.</summary>
    public Metrics PerTokenAt(double alpha, int gamma)
    {
        var p = At(alpha, gamma);
        return Metrics.Of(p.StepSeconds / p.ExpectedTokens, p.EnergyPerTokenJ, Package.CostUsd);
    }
}

/// <summary>
/// The study's result: every legal package of the search (split draft/target packages and the homogeneous baselines),
/// the bespoke one (lowest objective at the reference α and γ over all of them, so never worse than a baseline), the
/// comparison with the best and the equal-cost homogeneous package, and per baseline family the package of nearest
/// cost, swept over α and γ. <see cref="Rejected"/> lists the illegal packages with their violations.
/// </summary>
public sealed record SpeculativeResult(SpeculativeConfig Config, ImmutableArray<SpeculativePackage> Packages, SpeculativePackage? Bespoke,
    StudyComparison Comparison, ImmutableArray<SpeculativePackage> Baselines, ImmutableArray<RejectedPackage> Rejected, int Simulations, double WallSeconds)
    : StudyResult(SpeculativeDecodingStudy.Name)
{
    /// <summary>Package rows shown in the console table (all are in the JSON).</summary>
    private const int Shown = 10;

    public override ImmutableArray<ResultTable> ToTables()
    {
        var c = Config;
        var reference = $"α {c.ReferenceAlpha:0.##}, γ {c.ReferenceGamma}";
        double Score(SpeculativePackage p) => c.Objective.Score(p.PerTokenAt(c.ReferenceAlpha, c.ReferenceGamma));
        // Packages serving the throughput target first: the bespoke package is the best of those.
        var ranked = Packages.OrderBy(p => !c.Serves(p)).ThenBy(Score).ThenBy(p => p.Label, StringComparer.Ordinal).ToList();
        var rows = ranked.Take(Shown).Concat(Baselines).Distinct().ToList();
        var packages = new ResultTable(
            $"speculative decoding: target {c.Target.Name}, draft {c.Draft.Name}, {c.Bits}-bit, batch {c.Batch}, context {c.Context}; UCIe reach {c.UcieReach}",
            $"{Packages.Length} legal packages ({Rejected.Length} rejected by the floorplan), {Simulations} simulations ({CostModel} cost model), {WallSeconds:0.0} s; " +
            "split packages overlap draft and target (rollback on rejection), homogeneous ones run them one after the other on the same chiplets",
            [.. StudyReport.PackageColumns, new("draft step", ValueKind.Seconds), .. c.Gammas.Select(g => new ResultColumn($"verify γ{g}", ValueKind.Seconds)),
                new($"tokens/s at {reference}", ValueKind.PerSecond), .. c.Deploys ? [new("streams", ValueKind.Count), new("package tokens/s", ValueKind.PerSecond)] : Array.Empty<ResultColumn>(),
                new("energy/token", ValueKind.Joules), new("E·C per token", ValueKind.JouleUsd)],
            [.. rows.Select(p =>
            {
                var at = p.At(c.ReferenceAlpha, c.ReferenceGamma);
                string[] roles = [.. new[] { (p == Bespoke, "bespoke"), (Baselines.Contains(p), "baseline"), (p.Split, p.Heterogeneous ? "split, heterogeneous" : "split, one design"),
                    (!c.Serves(p), "below min tokens/s") }
                    .Where(x => x.Item1).Select(x => x.Item2)];
                return ImmutableArray.Create<ResultValue>([.. StudyReport.PackageCells(p, roles),
                    p.DraftStep.LatencySeconds, .. p.Verifications.Select(v => (ResultValue)v.Verify.LatencySeconds),
                    at.TokensPerSecond, .. c.Deploys ? [p.Streams, p.PackageTokensPerSecond(c.ReferenceAlpha, c.ReferenceGamma)] : Array.Empty<ResultValue>(),
                    at.EnergyPerTokenJ, at.EnergyPerTokenJ * p.Package.CostUsd]);
            })],
            [Bespoke is { } chosen ? $"bespoke package: {chosen.Label}, the package of the whole search with the lowest {c.Objective} per token at {reference}"
                : Packages.IsEmpty ? "no package is physically legal" : $"no package serves {c.MinTokensPerSecond:0.###} tokens/s",
                .. c.MinTokensPerSecond is { } min ? [$"ranked: the packages whose streams together serve at least {min:0.###} tokens/s at {reference}"] : Array.Empty<string>(),
                .. ranked.Count > Shown ? [$"{ranked.Count - Shown} more package(s) in the JSON (--json)"] : Array.Empty<string>()]);
        return StudyReport.Tables(packages, Comparison.ToTable($"per token at {reference}"), Bespoke is { } bespoke ? Sweep(bespoke) : null,
            StudyReport.Rejected(Rejected));
    }

    /// <summary>The bespoke package against each baseline at every (α, γ); × = bespoke ÷ baseline.</summary>
    private ResultTable Sweep(SpeculativePackage bespoke) => new(
        $"bespoke package {bespoke.Label} against the baselines of nearest {Config.Match.ToString().ToLowerInvariant()} over α and γ", "× = bespoke ÷ baseline",
        [new("α", ValueKind.Ratio), new("γ", ValueKind.Count), new("E[tokens]", ValueKind.Ratio), new("bespoke tokens/s", ValueKind.PerSecond),
            new("bespoke energy/token", ValueKind.Joules),
            .. Baselines.SelectMany(b => new ResultColumn[] { new($"{b.Label} tokens/s", ValueKind.PerSecond), new("bespoke throughput ×", ValueKind.Ratio),
                new($"{b.Label} energy/token", ValueKind.Joules), new("bespoke energy ×", ValueKind.Ratio) })],
        [.. bespoke.Points.OrderBy(p => p.Gamma).ThenBy(p => p.Alpha).Select(point => ImmutableArray.Create<ResultValue>([
            point.Alpha, point.Gamma, point.ExpectedTokens, point.TokensPerSecond, point.EnergyPerTokenJ,
            .. Baselines.Select(b => b.At(point.Alpha, point.Gamma)).SelectMany(q => new ResultValue[] {
                q.TokensPerSecond, point.TokensPerSecond / q.TokensPerSecond, q.EnergyPerTokenJ, point.EnergyPerTokenJ / q.EnergyPerTokenJ })]))],
        []);

    public override object ToJson() => StudyReport.With(new
    {
        Study, CostModel, Objective = Config.Objective.Name, CostProfile = Config.CostProfile.Name, Config.UcieReach, Comparison,
        Target = Config.Target.Name, Draft = Config.Draft.Name, Config.Bits, Config.Batch, Config.Context,
        BaselineMatch = Config.Match,
        Reference = new { Alpha = Config.ReferenceAlpha, Gamma = Config.ReferenceGamma },
        Bespoke = Bespoke is { } bespoke ? Json(bespoke) : null,
        Packages = Packages.Select(Json),
        Baselines = Baselines.Select(Json),
        Rejected = Rejected.Select(StudyReport.Rejected),
        Simulations, WallSeconds,
    }, Config.Deploys, () => new { DraftShare = Config.DraftShares, Config.MinTokensPerSecond });

    private object Json(SpeculativePackage p) => StudyReport.With(new
    {
        p.Label, p.Split, p.Heterogeneous, Package = StudyReport.Package(p.Package),
        DraftStepSeconds = p.DraftStep.LatencySeconds, DraftStepJ = p.DraftStep.EnergyJ, RollbackSeconds = p.Rollback.LatencySeconds,
        Verifications = p.Verifications.Select(v => new { v.Gamma, Seconds = v.Verify.LatencySeconds, Joules = v.Verify.EnergyJ }),
        p.Points,
    }, Config.Deploys, () => new { p.Streams, p.DraftChiplets, PackageTokensPerSecond = p.PackageTokensPerSecond(Config.ReferenceAlpha, Config.ReferenceGamma) });
}

/// <summary>
/// Speculative decoding: γ draft decode steps (each simulated at the context length; the few extra positions are
/// ignored) and one target pass verifying γ + 1 tokens against the KV cache. A split package runs the draft on its own
/// chiplets and the target on others, overlapped (<see cref="Speculation.OverlappedCycle"/>: the draft runs ahead
/// while the target verifies, and rolls back on a rejection; the corrected token's hand-off is a simulated transfer);
/// a homogeneous package runs both, one after the other, tensor parallel over all its chiplets. The search is every
/// draft group × target group and every homogeneous package; the bespoke package is the one the objective ranks
/// first at the reference α and γ. Throughput = batch × expected tokens ÷ cycle time; energy per token = cycle energy
/// ÷ (batch × expected tokens).
/// </summary>
public sealed class SpeculativeDecodingStudy : IStudy
{
    public const string Name = "speculative-decoding";

    /// <summary>Bytes of one token id handed from the target back to the draft on a rollback (a 32-bit id).</summary>
    private const long TokenIdBytes = 4;

    string IStudy.Name => Name;

    public string Description => "speculative decoding: draft and target overlapped on separate chiplets or one after the other on one package, swept over α and γ";

    public string DefaultYaml => StudyFiles.DefaultText(Name);

    public void Validate(StudyOptions options) => SpeculativeConfig.Load(options.Path, options.Technology, options.Full);

    public StudyResult Run(StudyOptions options, IProgress<double>? progress, CancellationToken cancellation)
    {
        var config = SpeculativeConfig.Load(options.Path, options.Technology, options.Full);
        return Run(config, options.Technology, options.Simulator(config.CostModel), progress, cancellation);
    }

    /// <summary>Runs a loaded study; the simulator (its cost model and cache) is the caller's, or a new one on the default cost model.</summary>
    public static SpeculativeResult Run(SpeculativeConfig c, TechnologyLibrary t, StageSimulator? simulator = null,
        IProgress<double>? progress = null, CancellationToken cancellation = default)
    {
        var setup = new StudySetup(t, c.Designs, c.CostProfile, c.UcieReach, simulator);
        var sim = setup.Simulator;
        double draftBytes = TransformerSizing.WeightBytes(c.Draft, c.Bits) + (double)c.Batch * c.Context * TransformerSizing.KvBytesPerToken(c.Draft, c.Bits);
        double targetBytes = TransformerSizing.WeightBytes(c.Target, c.Bits) + (double)c.Batch * c.Context * TransformerSizing.KvBytesPerToken(c.Target, c.Bits);

        // Each deployment of a group: count ÷ degree replicas of degree chiplets, each holding its model(s) in whole modules.
        var plans = new List<(string Label, Deployment How, ChipletGroup[] Groups)>();
        foreach (var d in c.DraftSpace.Deployments())
            foreach (var g in c.TargetSpace.Deployments())
                plans.Add(($"D {StageSharing.Describe(d)} / T {StageSharing.Describe(g)}", new Deployment(true, Math.Min(d.Count / d.Degree, g.Count / g.Degree), null),
                    [.. StageSharing.Replicas(setup, "draft", d, PackageComposer.ModulesFor(t, d.Memory, draftBytes, d.Degree)),
                        .. StageSharing.Replicas(setup, "target", g, PackageComposer.ModulesFor(t, g.Memory, targetBytes, g.Degree))]));
        foreach (var b in c.Baselines.Deployments())
            foreach (var (label, pinned, groups) in StageSharing.Shared(setup, t, b, targetBytes, "draft", draftBytes, c.DraftShares))
                plans.Add((label, new Deployment(false, b.Count / b.Degree, pinned), groups));
        // An illegal package cannot be built, so it is neither simulated nor chosen.
        var (legal, rejected) = LegalityGate.Split(plans.Select(p => setup.Compose(p.Label, p.Groups)));
        var deployments = plans.ToDictionary(p => p.Label, p => p.How, StringComparer.Ordinal);
        var packages = ImmutableArray.CreateBuilder<SpeculativePackage>();
        foreach (var p in legal)
        {
            cancellation.ThrowIfCancellationRequested();
            packages.Add(Evaluate(c, sim, p, deployments[p.Name]));
            progress?.Report(packages.Count / (double)legal.Length);
        }
        var all = packages.ToImmutable();
        // A throughput target leaves only the packages whose streams together serve it.
        var meeting = all.Where(c.Serves).ToList();
        var (bespoke, _, _, comparison) = StudySearch.Pick(meeting, p => p.Baseline, c.Objective, p => p.PerTokenAt(c.ReferenceAlpha, c.ReferenceGamma), c.Match);
        // Equal cost (or area): for each baseline design and memory, the legal chiplet count nearest the bespoke package.
        var baselines = c.Match.Nearest(c.Baselines, meeting.Where(p => p.Baseline), p => p.Package, bespoke?.Package)
            .Select(b => b.Nearest).OfType<SpeculativePackage>().ToImmutableArray();
        return new SpeculativeResult(c, all, bespoke, comparison, baselines, rejected, sim.Simulations, setup.WallSeconds) { CostModel = sim.CostModel };
    }

    /// <summary>
    /// How a package runs the models: on separate groups or one; the streams its replicas decode side by side; the
    /// chiplets the draft is pinned to (null: the whole group).
    /// </summary>
    private readonly record struct Deployment(bool Split, int Streams, int? DraftChiplets);

    /// <summary>
    /// Simulates one package's stages on replica 0 (every replica is alike). A draft pinned to part of the group runs on
    /// its first chiplets while the target keeps them all: the pinned chiplets run both models, so the cycle stays
    /// γ draft steps then the verification, one after the other, as on a homogeneous package.
    /// </summary>
    private static SpeculativePackage Evaluate(SpeculativeConfig c, StageSimulator sim, ComposedPackage p, Deployment how)
    {
        bool split = how.Split;
        string draftRole = split ? "draft" : "all", targetRole = split ? "target" : "all";
        var draftGroup = p.Group(draftRole);
        var targetGroup = p.Group(targetRole);
        var (draftPackage, pinned) = how.DraftChiplets is { } k ? (StageSharing.FirstChiplets(p.Of(draftRole), k), $"/first{k}") : (p.Of(draftRole), "");
        var draft = sim.Model($"{c.Draft.Name}-decode-b{c.Batch}-L{c.Context}-{c.Bits}b@{draftGroup.HardwareKey}{pinned}", draftPackage,
            () => new ModelInstance(c.Draft.Name, ModelZoo.CreateTransformer(c.Draft,
                new ModelOptions(c.Batch, c.Bits, TransformerPhase.Decode, ContextLength: c.Context)), c.Batch));
        var rollback = split
            ? sim.Transfer($"token-ids-{c.Batch}@{StageSimulator.HardwareKey(p)}", p, targetRole, draftRole, c.Batch * TokenIdBytes)
            : Metrics.Zero;
        var verifications = c.Gammas.Select(gamma => (gamma, sim.Model(
            $"{c.Target.Name}-verify{gamma + 1}-b{c.Batch}-L{c.Context}-{c.Bits}b@{targetGroup.HardwareKey}", p.Of(targetRole),
            () => new ModelInstance(c.Target.Name, ModelZoo.CreateTransformer(c.Target,
                new ModelOptions(c.Batch, c.Bits, TransformerPhase.Decode, ContextLength: c.Context, DecodeTokens: gamma + 1)), c.Batch)))).ToImmutableArray();
        var points = ImmutableArray.CreateBuilder<SpeculativePoint>();
        foreach (var (gamma, verify) in verifications)
            foreach (var alpha in c.Alphas)
            {
                var tokens = c.Batch * Speculation.ExpectedTokens(alpha, gamma);
                var (seconds, joules) = split ? Overlapped(alpha, gamma, draft, verify, rollback)
                    : ((draft.Times(gamma) + verify).LatencySeconds, (draft.Times(gamma) + verify).EnergyJ);
                points.Add(new SpeculativePoint(alpha, gamma, tokens / c.Batch, seconds, tokens / seconds, joules / tokens));
            }
        return new SpeculativePackage(p.Name, split, p, draft, rollback, verifications, points.ToImmutable())
        { Streams = how.Streams, DraftChiplets = how.DraftChiplets };
    }

    /// <summary>Expected time and energy of one overlapped cycle: every draft step run (kept or rolled back), the verification and the hand-offs.</summary>
    private static (double Seconds, double Joules) Overlapped(double alpha, int gamma, Metrics draft, Metrics verify, Metrics rollback)
    {
        var (seconds, draftSteps, rollbacks) = Speculation.OverlappedCycle(alpha, gamma, draft.LatencySeconds, verify.LatencySeconds, rollback.LatencySeconds);
        return (seconds, draftSteps * draft.EnergyJ + verify.EnergyJ + rollbacks * rollback.EnergyJ);
    }
}

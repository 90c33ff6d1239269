using System.Collections.Immutable;
using Tessera.Chiplets;
using Tessera.Economics;
using Tessera.Reports;
using Tessera.Scoring;
using Tessera.Technology;
using Tessera.Workloads;
using Tessera.Workloads.Zoo;

namespace Tessera.Studies;

/// <summary>The detection head on each camera's backbone features: a 3×3 conv to <paramref name="Channels"/>, then a 1×1 conv to <paramref name="Outputs"/> per cell.</summary>
public sealed record DetectionHead(int Channels, int Outputs);

/// <summary>The fusion encoder over camera tokens (a BERT-style transformer encoder).</summary>
public sealed record FusionEncoder(int Layers, int Hidden, int Heads, int Ffn, int TokensPerCamera);

/// <summary>
/// The AV-perception study's inputs (av-perception.yaml). <see cref="Objective"/> ranks the packages that meet the
/// deadline (per frame: latency, energy, package cost).
/// </summary>
public sealed record AvPerceptionConfig(
    int Cameras, string Backbone, DetectionHead Head, FusionEncoder Fusion, int Bits, double FrameRate, double DeadlineSeconds,
    ImmutableDictionary<string, ChipletSpec> Designs, GroupSpace Cnn, GroupSpace FusionStage, GroupSpace Homogeneous, int Show,
    Objective Objective, BaselineMatch Match = BaselineMatch.Cost)
{
    /// <summary>How the packages' dies and packaging are priced (<c>cost_profile:</c>; the default profile when absent).</summary>
    public CostProfile CostProfile { get; init; } = CostProfile.Default;

    /// <summary>The UCIe-advanced reach choice the floorplan checks links against (<c>ucie_reach:</c>; spec when absent).</summary>
    public string? UcieReach { get; init; }

    /// <summary>The operator cost model the file asks for (<c>cost_model:</c>); the command line's overrides it.</summary>
    public string? CostModel { get; init; }

    /// <summary>
    /// Chiplet counts the fusion encoder may be pinned to within a homogeneous package's group (of replica 0), below its
    /// size, the CNN keeping the whole group (<c>fusion_share:</c>; none when absent).
    /// </summary>
    public ImmutableArray<int> FusionShares { get; init; } = [];

    /// <summary>Whether the file deploys the CNN as replicas or the fusion on part of a group: the JSON then says how.</summary>
    public bool Deploys => !FusionShares.IsEmpty || !Cnn.TensorParallel.IsEmpty || !Homogeneous.TensorParallel.IsEmpty;

    public double PeriodSeconds => 1 / FrameRate;

    public static AvPerceptionConfig Load(string? path, TechnologyLibrary t, bool full = false)
    {
        var (r, root) = StudyFiles.Open(AvPerceptionStudy.Name, path, full, "cameras", "backbone", "head", "fusion", "bits", "frame_rate", "deadline",
            "designs", "cnn", "fusion_stage", "homogeneous", "show", "baseline_match", "objective", "cost_profile", "ucie_reach", "cost_model",
            "fusion_share");
        var backboneNode = r.Need(root, "backbone", "the study");
        var backbone = r.Text(backboneNode, "backbone");
        if (!ModelZoo.Entries.Any(e => e.Family == "cnn" && string.Equals(e.Name, backbone, StringComparison.OrdinalIgnoreCase)))
            throw r.Error(backboneNode, $"backbone '{backbone}' is no zoo CNN; expected one of {string.Join(", ", ModelZoo.Entries.Where(e => e.Family == "cnn").Select(e => e.Name))}");
        var head = r.Mapping(r.Need(root, "head", "the study"), "head");
        r.KnownKeys(head, "the study", "channels", "outputs");
        var fusion = r.Mapping(r.Need(root, "fusion", "the study"), "fusion");
        r.KnownKeys(fusion, "the study", "layers", "hidden", "heads", "ffn", "tokens_per_camera");
        var encoder = new FusionEncoder(StudyFiles.Int(r, fusion, "layers"), StudyFiles.Int(r, fusion, "hidden"), StudyFiles.Int(r, fusion, "heads"),
            StudyFiles.Int(r, fusion, "ffn"), StudyFiles.Int(r, fusion, "tokens_per_camera"));
        if (encoder.Hidden % encoder.Heads != 0)
            throw r.Error(fusion, $"fusion hidden {encoder.Hidden} is not a multiple of {encoder.Heads} heads");
        var designs = StudyFiles.Designs(r, root, t);
        // The fusion encoder runs once per frame over every camera's tokens, so it has no replicas (no tp:).
        var (cnn, fusionStage, homogeneous) = (StudyFiles.Space(r, root, "cnn", designs, t, tensorParallel: true),
            StudyFiles.Space(r, root, "fusion_stage", designs, t), StudyFiles.Space(r, root, "homogeneous", designs, t, tensorParallel: true));
        StudyFiles.ContainsBaselines(r, root, "homogeneous", homogeneous, ("cnn", cnn), ("fusion_stage", fusionStage));
        return new AvPerceptionConfig(StudyFiles.Int(r, root, "cameras"), backbone,
            new DetectionHead(StudyFiles.Int(r, head, "channels"), StudyFiles.Int(r, head, "outputs")), encoder,
            r.Bits(r.Need(root, "bits", "the study"), "bits"), StudyFiles.Number(r, root, "frame_rate"), StudyFiles.Seconds(r, root, "deadline"), designs,
            cnn, fusionStage, homogeneous, StudyFiles.Int(r, root, "show"), StudyFiles.Objective(r, root), StudyFiles.Match(r, root))
        {
            CostProfile = StudyFiles.CostProfile(r, root), UcieReach = StudyFiles.UcieReach(r, root, t), CostModel = StudyFiles.CostModel(r, root),
            FusionShares = StageSharing.Shares(r, root, "fusion_share", homogeneous, "homogeneous"),
        };
    }
}

/// <summary>
/// One perception package evaluated: its simulated stages, frame latency, slack, energy per frame and E·C.
/// <see cref="Split"/>: CNN and fusion on separate groups (pipelined); otherwise both on the same chiplets (the fusion
/// over all of them, or pinned to <see cref="FusionChiplets"/>).
/// </summary>
public sealed record PerceptionEvaluation(
    string Label, bool Split, ComposedPackage Package, Metrics Cnn, Metrics Transfer, Metrics Fusion,
    double LatencySeconds, double BottleneckSeconds, double SlackSeconds, double EnergyPerFrameJ, ImmutableArray<string> Misses) : IStudyPackage
{
    /// <summary>CNN replicas (count ÷ tp) the cameras are dealt over.</summary>
    public int CnnReplicas { get; init; } = 1;

    /// <summary>The chiplets of a homogeneous group (of replica 0) the fusion is pinned to; null when it runs over the whole group.</summary>
    public int? FusionChiplets { get; init; }

    /// <summary>A homogeneous package with both stages over all its chiplets: a baseline.</summary>
    public bool Baseline => !Split && FusionChiplets is null;

    public bool MeetsDeadline => Misses.IsEmpty;

    /// <summary>Its groups differ in design.</summary>
    public bool Heterogeneous => Package.IsHeterogeneous();

    /// <summary>Energy per frame × package cost (J·$).</summary>
    public double EnergyCost => EnergyPerFrameJ * Package.CostUsd;

    /// <summary>What the objective scores, per frame: latency, energy and the package cost.</summary>
    public Metrics PerFrame => Metrics.Of(LatencySeconds, EnergyPerFrameJ, Package.CostUsd);
}

/// <summary>A homogeneous baseline family and its deadline-meeting package of nearest cost.</summary>
public sealed record PerceptionBaseline(string Family, PerceptionEvaluation? Nearest);

/// <summary>
/// The study's result: <see cref="Bespoke"/> minimises the objective under the deadline over the whole search, split
/// and homogeneous packages alike (null when nothing meets it); <see cref="Comparison"/> sets it against the best and the
/// equal-cost homogeneous package. <see cref="Evaluations"/> holds the physically legal packages only;
/// <see cref="Rejected"/> the ones the floorplanner rejects.
/// </summary>
public sealed record AvPerceptionResult(AvPerceptionConfig Config, ImmutableArray<PerceptionEvaluation> Evaluations,
    PerceptionEvaluation? Bespoke, StudyComparison Comparison, ImmutableArray<PerceptionBaseline> Baselines,
    ImmutableArray<RejectedPackage> Rejected, int Simulations, double WallSeconds) : StudyResult(AvPerceptionStudy.Name)
{
    /// <summary>The packages that meet the deadline, best by the objective first (ties by label).</summary>
    public IEnumerable<PerceptionEvaluation> Meeting => AvPerceptionStudy.Ranked(Evaluations.Where(e => e.MeetsDeadline), Config.Objective);

    public override ImmutableArray<ResultTable> ToTables()
    {
        var c = Config;
        var rows = Meeting.Take(c.Show).Concat(new[] { Bespoke }.OfType<PerceptionEvaluation>())
            .Concat(Baselines.Select(b => b.Nearest).OfType<PerceptionEvaluation>()).Distinct();
        IEnumerable<string> Roles(PerceptionEvaluation e) =>
            new[] { (e == Bespoke, "bespoke") }.Where(x => x.Item1).Select(x => x.Item2)
                .Concat(Baselines.Where(b => b.Nearest == e).Select(b => $"baseline {b.Family}"));
        var fastest = Evaluations.MinBy(e => e.LatencySeconds);
        var summary = Bespoke is { } best ? $"bespoke package: {best.Label}, the package of the whole search meeting the deadline with the lowest {c.Objective} per frame " +
                $"(${best.Package.CostUsd:N0}, {best.Package.Describe()}; {(best.Heterogeneous ? "heterogeneous" : "one design")})"
            : fastest is null ? "no package is physically legal"
            : $"no package meets the deadline; the fastest, {fastest.Label}, misses: {string.Join("; ", fastest.Misses)}";
        var packages = new ResultTable(
            $"AV perception: {c.Cameras} cameras × {c.Backbone} + detection head, fusion encoder {c.Fusion.Layers}×{c.Fusion.Hidden} over " +
            $"{c.Cameras * c.Fusion.TokensPerCamera} tokens; {c.FrameRate:0.##} fps, deadline {c.DeadlineSeconds * 1e3:0.###} ms",
            $"{Evaluations.Length} legal packages ({Rejected.Length} rejected by the floorplan), {Evaluations.Count(e => e.MeetsDeadline)} meet the deadline; " +
            $"{Simulations} simulations ({CostModel} cost model), {WallSeconds:0.0} s",
            [.. StudyReport.PackageColumns, new("CNN", ValueKind.Seconds), new("transfer", ValueKind.Seconds), new("fusion", ValueKind.Seconds),
                new("latency", ValueKind.Seconds), new("slack", ValueKind.Seconds), new("energy/frame", ValueKind.Joules), new("E·C per frame", ValueKind.JouleUsd)],
            [.. rows.Select(e => ImmutableArray.Create<ResultValue>([.. StudyReport.PackageCells(e, Roles(e)), e.Cnn.LatencySeconds, e.Transfer.LatencySeconds,
                e.Fusion.LatencySeconds, e.LatencySeconds, e.SlackSeconds, e.EnergyPerFrameJ, e.EnergyCost]))],
            [summary]);
        var baselines = Bespoke is not { } bespoke ? null : StudyReport.Baselines(c.Match, bespoke, Baselines.Select(b => (b.Family, b.Nearest)), "meets the deadline",
            [new("energy/frame", ValueKind.Joules), new("bespoke energy ×", ValueKind.Ratio), new("E·C per frame", ValueKind.JouleUsd), new("bespoke E·C ×", ValueKind.Ratio)],
            n => [n.EnergyPerFrameJ, bespoke.EnergyPerFrameJ / n.EnergyPerFrameJ, n.EnergyCost, bespoke.EnergyCost / n.EnergyCost]);
        return StudyReport.Tables(packages, Comparison.ToTable("per frame"), baselines, StudyReport.Rejected(Rejected));
    }

    public override object ToJson() => StudyReport.With(new
    {
        Study, CostModel, Objective = Config.Objective.Name, CostProfile = Config.CostProfile.Name, Config.UcieReach, Comparison,
        BaselineMatch = Config.Match, Config.Cameras, Config.Backbone, Config.Head, Config.Fusion, Config.Bits, Config.FrameRate, Config.DeadlineSeconds,
        Bespoke = Bespoke is { } s ? Json(s) : null,
        Baselines = Baselines.Select(x => new { x.Family, Nearest = x.Nearest is { } n ? Json(n) : null }),
        Evaluations = Evaluations.Select(Json),
        Rejected = Rejected.Select(StudyReport.Rejected),
        Simulations, WallSeconds,
    }, Config.Deploys, () => new { FusionShare = Config.FusionShares });

    private object Json(PerceptionEvaluation e) => StudyReport.With(new
    {
        e.Label, e.Split, e.Heterogeneous, Package = StudyReport.Package(e.Package),
        CnnSeconds = e.Cnn.LatencySeconds, TransferSeconds = e.Transfer.LatencySeconds, FusionSeconds = e.Fusion.LatencySeconds,
        e.LatencySeconds, e.BottleneckSeconds, e.SlackSeconds, e.EnergyPerFrameJ, e.EnergyCost, e.MeetsDeadline, e.Misses,
    }, Config.Deploys, () => new { e.CnnReplicas, e.FusionChiplets });
}

/// <summary>
/// Autonomous-vehicle perception: each frame, every camera's image goes through the CNN backbone (the zoo model at its
/// 224×224 input, all cameras as one batch) and a detection head; a transformer encoder then fuses
/// cameras × tokens-per-camera tokens. Split packages run backbone and head on one chiplet group and fusion on
/// another (the camera tokens cross the package links as a simulated transfer), so frames pipeline: each side must
/// finish within the frame period. Homogeneous packages run the stages one after the other on all chiplets. A package
/// meets the deadline when the frame latency (sum of the stages) is at most the deadline and its busiest side fits
/// the frame period; among those the study minimises its objective (energy per frame × package cost by default).
/// </summary>
public sealed class AvPerceptionStudy : IStudy
{
    public const string Name = "av-perception";

    string IStudy.Name => Name;

    public string Description => "autonomous-vehicle perception: cameras × CNN + transformer fusion under a frame deadline, ranked by an objective (energy × cost by default)";

    public string DefaultYaml => StudyFiles.DefaultText(Name);

    public void Validate(StudyOptions options) => AvPerceptionConfig.Load(options.Path, options.Technology, options.Full);

    public StudyResult Run(StudyOptions options, IProgress<double>? progress, CancellationToken cancellation)
    {
        var config = AvPerceptionConfig.Load(options.Path, options.Technology, options.Full);
        return Run(config, options.Technology, options.Simulator(config.CostModel), progress, cancellation);
    }

    /// <summary>Runs a loaded study; the simulator (its cost model and cache) is the caller's, or a new one on the default cost model.</summary>
    public static AvPerceptionResult Run(AvPerceptionConfig c, TechnologyLibrary t, StageSimulator? simulator = null,
        IProgress<double>? progress = null, CancellationToken cancellation = default)
    {
        var setup = new StudySetup(t, c.Designs, c.CostProfile, c.UcieReach, simulator);
        var sim = setup.Simulator;
        double cnnBytes = Backbone(c, c.Cameras).ParameterBytes + Head(c, c.Cameras).ParameterBytes;
        double fusionBytes = FusionGraph(c).ParameterBytes;

        // Each deployment of a group: count ÷ degree replicas of degree chiplets, each holding its model(s) in whole modules.
        var plans = new List<(string Label, Deployment How, ChipletGroup[] Groups)>();
        foreach (var cnn in c.Cnn.Deployments())
            foreach (var (fd, fn, fm) in c.FusionStage.Combinations())
                plans.Add(($"CNN {StageSharing.Describe(cnn)} / fusion {fn}×{fd}+{fm}", new Deployment(true, cnn.Count / cnn.Degree, null),
                    [.. StageSharing.Replicas(setup, "cnn", cnn, PackageComposer.ModulesFor(t, cnn.Memory, cnnBytes, cnn.Degree)),
                        setup.Group("fusion", fd, fn, fm, PackageComposer.ModulesFor(t, fm, fusionBytes, fn))]));
        foreach (var h in c.Homogeneous.Deployments())
            foreach (var (label, pinned, groups) in StageSharing.Shared(setup, t, h, cnnBytes, "fusion", fusionBytes, c.FusionShares))
                plans.Add((label, new Deployment(false, h.Count / h.Degree, pinned), groups));

        // An illegal package cannot be built, so it is neither simulated nor chosen.
        var (legal, rejected) = LegalityGate.Split(plans.Select(p => setup.Compose(p.Label, p.Groups)));
        var deployments = plans.ToDictionary(p => p.Label, p => p.How, StringComparer.Ordinal);
        var evaluations = ImmutableArray.CreateBuilder<PerceptionEvaluation>();
        for (int i = 0; i < legal.Length; i++)
        {
            cancellation.ThrowIfCancellationRequested();
            evaluations.Add(Evaluate(c, sim, legal[i], deployments[legal[i].Name]));
            progress?.Report((i + 1) / (double)legal.Length);
        }
        var all = evaluations.ToImmutable();
        var meeting = all.Where(e => e.MeetsDeadline).ToList();
        var (bespoke, _, _, comparison) = StudySearch.Pick(meeting, e => e.Baseline, c.Objective, e => e.PerFrame, c.Match);
        var baselines = c.Match.Nearest(c.Homogeneous, meeting.Where(e => e.Baseline), e => e.Package, bespoke?.Package)
            .Select(b => new PerceptionBaseline(b.Family, b.Nearest)).ToImmutableArray();
        return new AvPerceptionResult(c, all, bespoke, comparison, baselines, rejected, sim.Simulations, setup.WallSeconds) { CostModel = sim.CostModel };
    }

    /// <summary>Packages by the objective's score per frame, lowest first; ties by label.</summary>
    internal static IOrderedEnumerable<PerceptionEvaluation> Ranked(IEnumerable<PerceptionEvaluation> packages, Objective objective) =>
        packages.OrderBy(e => objective.Score(e.PerFrame)).ThenBy(e => e.Label, StringComparer.Ordinal);

    /// <summary>The backbone over a batch of camera images.</summary>
    private static ModelGraph Backbone(AvPerceptionConfig c, int cameras) => ModelZoo.Create(c.Backbone, new ModelOptions(cameras, c.Bits));

    /// <summary>The detection head on the backbone's last feature map (the backbone's final convolution output).</summary>
    private static ModelGraph Head(AvPerceptionConfig c, int cameras)
    {
        var backbone = Backbone(c, cameras);
        var features = backbone.Operators.Where(op => op.OpType == "Conv").Last().Outputs[0];
        var shape = backbone.Tensors[features].Shape;
        var g = new GraphBuilder($"{c.Backbone}-detection-head", c.Bits);
        var x = g.Input("features", [.. shape]);
        var hidden = g.Conv(x, c.Head.Channels, kernel: 3, padding: 1, bias: true, nodeName: "head.conv");
        g.Conv(hidden, c.Head.Outputs, kernel: 1, bias: true, nodeName: "head.predict");
        return g.Build();
    }

    /// <summary>The fusion encoder: its token table stands in for the projection of camera features into tokens.</summary>
    private static TransformerConfig FusionConfig(AvPerceptionConfig c)
    {
        int tokens = c.Cameras * c.Fusion.TokensPerCamera;
        return new TransformerConfig("fusion-encoder", c.Fusion.Layers, c.Fusion.Hidden, c.Fusion.Heads, c.Fusion.Heads, c.Fusion.Ffn,
            GatedFfn: false, Vocab: tokens, NormKind.LayerNorm, PositionKind.Learned, TiedOutput: false, HasLmHead: false, TokenTypes: 0,
            Biases: true, MaxPositions: tokens);
    }

    private static ModelGraph FusionGraph(AvPerceptionConfig c) =>
        ModelZoo.CreateTransformer(FusionConfig(c), new ModelOptions(1, c.Bits, TransformerPhase.Prefill, SequenceLength: c.Cameras * c.Fusion.TokensPerCamera));

    /// <summary>
    /// How a package runs the stages: on separate groups or one; the CNN replicas the cameras are dealt over; the
    /// chiplets the fusion is pinned to on a homogeneous package (null: the whole group).
    /// </summary>
    private readonly record struct Deployment(bool Split, int CnnReplicas, int? FusionChiplets);

    /// <summary>
    /// Simulates one package's stages. The cameras are dealt over the CNN replicas (the first cameras mod replicas take
    /// one more), which run side by side: the CNN takes the busiest replica's time and every replica's energy. The fusion
    /// runs on the fusion group, or on replica 0 of a homogeneous package (all of it or its first chiplets); camera tokens
    /// not already on the fusion chiplets cross the package as a simulated transfer. On a homogeneous package the same
    /// chiplets run both stages, so they run one after the other.
    /// </summary>
    private static PerceptionEvaluation Evaluate(AvPerceptionConfig c, StageSimulator sim, ComposedPackage p, Deployment how)
    {
        bool split = how.Split;
        string cnnRole = split ? "cnn" : "all", fusionRole = split ? "fusion" : "all";
        var cnnGroup = p.Group(cnnRole);
        var fusionGroup = p.Group(fusionRole);
        var f = c.Fusion;
        Metrics Cnn(int cameras)
        {
            string sizes = $"{cameras}cam-{c.Bits}b";
            return sim.Model($"{c.Backbone}-{sizes}@{cnnGroup.HardwareKey}", p.Of(cnnRole), () => new ModelInstance(c.Backbone, Backbone(c, cameras), cameras))
                + sim.Model($"head-{c.Head.Channels}-{c.Head.Outputs}-{sizes}@{cnnGroup.HardwareKey}", p.Of(cnnRole),
                    () => new ModelInstance("head", Head(c, cameras), cameras));
        }
        int replicas = how.CnnReplicas, busiest = (c.Cameras + replicas - 1) / replicas, fewer = c.Cameras / replicas, withMore = c.Cameras % replicas;
        var slowest = Cnn(busiest);
        var cnn = replicas == 1 ? slowest : Metrics.Of(slowest.LatencySeconds,
            (withMore == 0 ? replicas : withMore) * slowest.EnergyJ + (withMore == 0 || fewer == 0 ? 0 : (replicas - withMore) * Cnn(fewer).EnergyJ));
        var (fusionPackage, pinned) = how.FusionChiplets is { } k ? (StageSharing.FirstChiplets(p.Of(fusionRole), k), $"/first{k}") : (p.Of(fusionRole), "");
        var fusion = sim.Model($"fusion-{f.Layers}-{f.Hidden}-{f.Heads}-{f.Ffn}-{f.TokensPerCamera}-{c.Cameras}cam-{c.Bits}b@{fusionGroup.HardwareKey}{pinned}",
            fusionPackage, () => new ModelInstance("fusion", FusionGraph(c), 1));
        long tokenBytes = (long)c.Cameras * f.TokensPerCamera * f.Hidden * c.Bits / 8;
        string[] fusionChiplets = [.. fusionPackage.Chiplets.Select(ch => ch.Id)];
        // Tokens sit where their camera ran, spread over its replica's chiplets: those already on fusion chiplets stay.
        double stay = split ? 0 : (double)fusionChiplets.Length / cnnGroup.Count * busiest / c.Cameras;
        long moved = (long)Math.Round(tokenBytes * (1 - stay));
        var transfer = moved > 0
            ? sim.Transfer($"tokens-{moved}@{StageSimulator.HardwareKey(p)}{pinned}", p.Package,
                [.. StageSharing.ReplicaChiplets(p, cnnRole).Except(fusionChiplets, StringComparer.Ordinal)], fusionChiplets, moved)
            : Metrics.Zero;
        var frame = cnn + transfer + fusion;
        double bottleneck = split ? Math.Max(cnn.LatencySeconds, (transfer + fusion).LatencySeconds) : frame.LatencySeconds;
        var misses = ImmutableArray.CreateBuilder<string>();
        if (frame.LatencySeconds > c.DeadlineSeconds)
            misses.Add($"latency {frame.LatencySeconds * 1e3:0.00} ms > deadline {c.DeadlineSeconds * 1e3:0.00} ms");
        if (bottleneck > c.PeriodSeconds)
            misses.Add($"busiest stage {bottleneck * 1e3:0.00} ms > frame period {c.PeriodSeconds * 1e3:0.00} ms");
        return new PerceptionEvaluation(p.Name, split, p, cnn, transfer, fusion, frame.LatencySeconds, bottleneck,
            c.DeadlineSeconds - frame.LatencySeconds, frame.EnergyJ, misses.ToImmutable())
        { CnnReplicas = replicas, FusionChiplets = how.FusionChiplets };
    }
}

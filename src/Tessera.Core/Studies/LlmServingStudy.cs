using System.Collections.Immutable;
using Tessera.Chiplets;
using Tessera.Economics;
using Tessera.Hardware.Presets;
using Tessera.Reports;
using Tessera.Scoring;
using Tessera.Technology;
using Tessera.Workloads;
using Tessera.Workloads.Zoo;
using Tessera.Yaml;

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

    /// <summary>The UCIe-advanced reach choice the floorplan checks links against (<c>ucie_reach:</c>; spec when absent).</summary>
    public string? UcieReach { get; init; }

    /// <summary>The off-package link joining the packages of a group spanning several (<c>board_link:</c>; the preset boards' when absent).</summary>
    public string BoardLink { get; init; } = SystemPresets.BoardLink;

    /// <summary>The operator cost model the file asks for (<c>cost_model:</c>); the command line's overrides it.</summary>
    public string? CostModel { get; init; }

    /// <summary>The loads swept after the reference one (<c>loads:</c>): request rates × batch sizes; empty when absent.</summary>
    public ImmutableArray<double> SweepRates { get; init; } = [];

    public ImmutableArray<int> SweepBatches { get; init; } = [];

    /// <summary>The KV length a decode step sees on average: the prompt plus half the output.</summary>
    public int MeanContext => PromptTokens + OutputTokens / 2;

    public static LlmServingConfig Load(string? path, TechnologyLibrary t, bool full = false)
    {
        var (r, root) = StudyFiles.Open(LlmServingStudy.Name, path, full, "model", "bits", "request_rate", "prompt_tokens", "output_tokens", "batch",
            "targets", "max_modules_per_chiplet", "designs", "prefill", "decode", "homogeneous", "show", "baseline_match", "objective", "cost_profile",
            "ucie_reach", "loads", "cost_model", "board_link");
        var designs = StudyFiles.Designs(r, root, t);
        var targets = r.Mapping(r.Need(root, "targets", "the study"), "targets");
        r.KnownKeys(targets, "the study", "ttft", "tpot");
        var (prefill, decode, homogeneous) = (StudyFiles.Space(r, root, "prefill", designs, t, tensorParallel: true, packages: true),
            StudyFiles.Space(r, root, "decode", designs, t, tensorParallel: true, packages: true),
            StudyFiles.Space(r, root, "homogeneous", designs, t, tensorParallel: true, packages: true));
        StudyFiles.ContainsBaselines(r, root, "homogeneous", homogeneous, ("prefill", prefill), ("decode", decode));
        var loads = YamlReader.Find(root, "loads") is { } node ? r.Mapping(node, "loads") : null;
        if (loads is not null) r.KnownKeys(loads, "loads", "request_rates", "batches");
        return new LlmServingConfig(
            TransformerSizing.Read(r, r.Need(root, "model", "the study"), "model"),
            r.Bits(r.Need(root, "bits", "the study"), "bits"), StudyFiles.Number(r, root, "request_rate"), StudyFiles.Int(r, root, "prompt_tokens"),
            StudyFiles.Int(r, root, "output_tokens"), StudyFiles.Int(r, root, "batch"),
            new ServingTargets(StudyFiles.Seconds(r, targets, "ttft"), StudyFiles.Seconds(r, targets, "tpot")),
            StudyFiles.Int(r, root, "max_modules_per_chiplet"), designs, prefill, decode, homogeneous, StudyFiles.Int(r, root, "show"),
            StudyFiles.Objective(r, root), StudyFiles.Match(r, root))
        {
            CostProfile = StudyFiles.CostProfile(r, root), UcieReach = StudyFiles.UcieReach(r, root, t), CostModel = StudyFiles.CostModel(r, root),
            BoardLink = YamlReader.Find(root, "board_link") is { } link ? r.Parsed(link, "board_link", name => t.OffPackage(name).Kind) : SystemPresets.BoardLink,
            SweepRates = loads is null ? [] : [.. StudyFiles.Positives(r, loads, "request_rates").Order()],
            SweepBatches = loads is null ? [] : [.. StudyFiles.Ints(r, loads, "batches").Order()],
        };
    }
}

/// <summary>
/// Queueing in front of the server that prefills: requests arrive as a Poisson process at λ; whenever the server is
/// free it starts the requests waiting, up to the batch size B, and a batch keeps it busy for a fixed time S. This is
/// taken as an M/D/1 queue of batches arriving at λ/B, whose mean wait is the Pollaczek–Khinchine value
/// ρS / (2(1 − ρ)) with ρ = λS/B (Kleinrock, Queueing Systems vol. 1, 1975, §5.7). The approximation charges every
/// batch the full batch's time and treats batch arrivals as Poisson (they are more regular), so it overestimates the
/// wait at light load; it is exact in neither limit but unbounded exactly when the server saturates (ρ ≥ 1).
/// </summary>
public static class BatchQueueing
{
    /// <summary>The server's utilisation ρ = λS/B.</summary>
    public static double Utilisation(double requestsPerSecond, int batch, double serviceSeconds) => requestsPerSecond * serviceSeconds / batch;

    /// <summary>Mean M/D/1 wait of a batch before its service starts; infinite at or beyond saturation (ρ ≥ 1).</summary>
    public static double WaitSeconds(double requestsPerSecond, int batch, double serviceSeconds)
    {
        var rho = Utilisation(requestsPerSecond, batch, serviceSeconds);
        return rho >= 1 ? double.PositiveInfinity : rho * serviceSeconds / (2 * (1 - rho));
    }
}

/// <summary>
/// One serving package evaluated at one load (request rate and batch): simulated prefill (one request batch), decode
/// step (at the mean KV length) and KV-cache transfer, and what follows from them. TTFT = the time a request waits in
/// the prefill server's queue (<see cref="BatchQueueing"/>), plus the prefill. Null stages mean
/// the package was not simulated (its KV cache and weights do not fit its memory).
/// </summary>
public sealed record ServingEvaluation(
    string Label, bool Disaggregated, ComposedPackage Package, double RequestRate, int Batch, double MemoryNeededBytes, double MemoryCapacityBytes,
    Metrics? Prefill, Metrics? DecodeStep, Metrics? KvTransfer, double QueueSeconds,
    double TtftSeconds, double TpotSeconds, double Utilisation, double CapacityTokensPerSecond, double TokensPerSecond,
    double EnergyPerTokenJ, double CostPerMillionTokensUsd, ImmutableArray<string> Misses) : IStudyPackage
{
    /// <summary>Model replicas serving each phase (one per group of tensor-parallel chiplets); one when the phases share them.</summary>
    public int PrefillReplicas { get; init; } = 1;

    public int DecodeReplicas { get; init; } = 1;

    public bool MemoryFits => MemoryNeededBytes <= MemoryCapacityBytes;
    public bool MeetsTargets => Misses.IsEmpty;
    public double TokensPerSecondPerWatt => 1 / EnergyPerTokenJ;

    /// <summary>Its groups differ in design (a disaggregated package of one design is not heterogeneous).</summary>
    public bool Heterogeneous => Package.IsHeterogeneous();

    /// <summary>"both phases on one group", "disaggregated, one design" or "disaggregated, heterogeneous".</summary>
    public string Kind => !Disaggregated ? "both phases on one group" : Heterogeneous ? "disaggregated, heterogeneous" : "disaggregated, one design";

    /// <summary>Energy per token × package cost (J·$), Mozart's energy-cost.</summary>
    public double EnergyCost => EnergyPerTokenJ * Package.CostUsd;

    /// <summary>What the objective scores, per output token: latency = TPOT, energy per token, the package cost.</summary>
    public Metrics PerToken => Metrics.Of(TpotSeconds, EnergyPerTokenJ, Package.CostUsd);
}

/// <summary>A homogeneous baseline family (design and memory) and its package of nearest cost that meets the targets.</summary>
public sealed record ServingBaseline(string Family, ServingEvaluation? Nearest);

/// <summary>
/// The answer at one request rate over every swept batch: the package (and batch) the objective ranks first among
/// those meeting the targets, and the best package running both phases on one group; null when none meets them.
/// </summary>
public sealed record ServingLoad(double RequestRate, ServingEvaluation? Winner, ServingEvaluation? BestHomogeneous);

/// <summary>
/// The study's result. <see cref="Evaluations"/> holds the physically legal packages at the reference load only;
/// <see cref="Rejected"/> the ones the floorplanner rejects. <see cref="Cheapest"/> is null when no package meets the
/// targets; <see cref="Closest"/> then says by how much (null when no package is legal). <see cref="Loads"/> gives the
/// answer per swept request rate, <see cref="SaturationRate"/> the highest rate any homogeneous package sustains over
/// the swept batches.
/// </summary>
public sealed record LlmServingResult(
    LlmServingConfig Config, ImmutableArray<ServingEvaluation> Evaluations, ServingEvaluation? Cheapest, ServingEvaluation? Bespoke,
    StudyComparison Comparison, ImmutableArray<ServingBaseline> Baselines, ServingEvaluation? Closest, ImmutableArray<RejectedPackage> Rejected,
    ImmutableArray<ServingLoad> Loads, ServingEvaluation? Saturation, long KvBytesPerToken, long WeightBytes, int Simulations, double WallSeconds)
    : StudyResult(LlmServingStudy.Name)
{
    /// <summary>The cheapest packages that meet the targets, cheapest first.</summary>
    public IEnumerable<ServingEvaluation> Meeting => Evaluations.Where(e => e.MeetsTargets).OrderBy(e => e.Package.CostUsd).ThenBy(e => e.Label, StringComparer.Ordinal);

    /// <summary>Requests per second the best homogeneous package sustains at its batch (capacity ÷ output tokens); 0 when none fits.</summary>
    public double SaturationRate => Saturation is { } s ? s.CapacityTokensPerSecond / Config.OutputTokens : 0;

    /// <summary>
    /// The highest swept rate up to which every winner runs both phases on one group, and the lowest from which every
    /// winner (where one meets the targets) is disaggregated; null when there is none.
    /// </summary>
    public (double? SharedUpTo, double? DisaggregatedFrom) Crossover
    {
        get
        {
            var won = Loads.Where(l => l.Winner is not null).ToList();
            double? shared = won.TakeWhile(l => !l.Winner!.Disaggregated).Select(l => (double?)l.RequestRate).LastOrDefault();
            double? split = Enumerable.Reverse(won).TakeWhile(l => l.Winner!.Disaggregated).Select(l => (double?)l.RequestRate).LastOrDefault();
            return (shared, split);
        }
    }

    /// <summary>The per-load answer in one sentence.</summary>
    public string CrossoverText
    {
        get
        {
            var (shared, split) = Crossover;
            var top = Loads.Where(l => l.Winner is not null).Select(l => l.RequestRate).DefaultIfEmpty().Max();
            return Loads.IsEmpty ? "no loads swept"
                : Loads.All(l => l.Winner is null) ? "no package meets the targets at any swept rate"
                : split is null ? $"a package running both phases on one group wins at every swept rate up to {top:0.###} requests/s; no disaggregated package wins"
                : shared is null ? $"a disaggregated package wins from {split:0.###} requests/s"
                : $"a package running both phases on one group wins up to {shared:0.###} requests/s, a disaggregated one from {split:0.###} requests/s";
        }
    }

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
            $"targets TTFT ≤ {c.Targets.TtftSeconds:0.###} s (queueing included), TPOT ≤ {c.Targets.TpotSeconds:0.###} s",
            $"weights {WeightBytes / (double)(1L << 30):0.00} GiB, KV cache {KvBytesPerToken / 1024.0:0.00} KiB per token; {Evaluations.Length} legal packages ({Rejected.Length} rejected by the floorplan), {Evaluations.Count(e => e.MeetsTargets)} meet the targets; " +
            $"{Simulations} simulations ({CostModel} cost model), {WallSeconds:0.0} s",
            [.. StudyReport.PackageColumns, new("queue", ValueKind.Seconds), new("TTFT", ValueKind.Seconds), new("TPOT", ValueKind.Seconds), new("KV xfer", ValueKind.Seconds),
                new("tokens/s", ValueKind.PerSecond), new("tokens/J", ValueKind.PerJoule), new("energy/token", ValueKind.Joules),
                new("per M tokens", ValueKind.Usd), new("E·C per token", ValueKind.JouleUsd)],
            [.. rows.Select(e => ImmutableArray.Create<ResultValue>([.. StudyReport.PackageCells(e, Roles(e)), e.QueueSeconds, e.TtftSeconds, e.TpotSeconds,
                e.KvTransfer?.LatencySeconds ?? 0, e.TokensPerSecond, e.TokensPerSecondPerWatt, e.EnergyPerTokenJ, e.CostPerMillionTokensUsd, e.EnergyCost]))],
            [
                Cheapest is { } cheapest ? $"cheapest package meeting the targets: {cheapest.Label} (${cheapest.Package.CostUsd:N0}, {cheapest.Package.Describe()})"
                    : Closest is { } closest ? $"no package meets the targets; the closest, {closest.Label}, misses: {string.Join("; ", closest.Misses)}"
                    : "no package is physically legal",
                Bespoke is { } chosen ? $"bespoke package: {chosen.Label} ({chosen.Kind}), the package of the whole search meeting the targets with the lowest {c.Objective} per token (latency = TPOT)"
                    : "no package meets the targets",
            ]);
        var baselines = Bespoke is not { } bespoke ? null : StudyReport.Baselines(c.Match, bespoke, Baselines.Select(b => (b.Family, b.Nearest)), "meets the targets",
            [new("energy/token", ValueKind.Joules), new("bespoke energy ×", ValueKind.Ratio), new("E·C per token", ValueKind.JouleUsd), new("bespoke E·C ×", ValueKind.Ratio)],
            n => [n.EnergyPerTokenJ, bespoke.EnergyPerTokenJ / n.EnergyPerTokenJ, n.EnergyCost, bespoke.EnergyCost / n.EnergyCost]);
        return StudyReport.Tables(packages, Comparison.ToTable("per token"), baselines, LoadTable(), StudyReport.Rejected(Rejected));
    }

    /// <summary>The winner at each swept rate beside the best package of both phases on one group; null when nothing was swept.</summary>
    private ResultTable? LoadTable()
    {
        if (Loads.IsEmpty) return null;
        var o = Config.Objective;
        double Score(ServingEvaluation e) => o.Score(e.PerToken);
        ResultValue[] Cells(ServingEvaluation? e) => e is null ? ["none meets the targets", "", "", ""] : [e.Label, e.Batch, e.TtftSeconds, Score(e)];
        return new ResultTable($"the answer per load: batches {string.Join(", ", Config.SweepBatches)}, {o} per token",
            $"winner × = winner ÷ best homogeneous; queueing: M/D/1 over batches (docs/studies.md)",
            [new("requests/s", ValueKind.Ratio), new("winner", ValueKind.Text), new("kind", ValueKind.Text), new("batch", ValueKind.Count), new("TTFT", ValueKind.Seconds),
                new(o.Name, ValueKind.Ratio), new("best homogeneous", ValueKind.Text), new("batch", ValueKind.Count), new("TTFT", ValueKind.Seconds),
                new(o.Name, ValueKind.Ratio), new("winner ×", ValueKind.Ratio)],
            [.. Loads.Select(l => ImmutableArray.Create<ResultValue>([l.RequestRate, .. Cells(l.Winner).Take(1), l.Winner?.Kind ?? "", .. Cells(l.Winner).Skip(1),
                .. Cells(l.BestHomogeneous), l.Winner is { } w && l.BestHomogeneous is { } h ? Score(w) / Score(h) : ""]))],
            [Saturation is { } s ? $"the homogeneous packages saturate at {SaturationRate:0.###} requests/s ({s.Label}, batch {s.Batch}); the sweep reaches {Config.SweepRates.Max():0.###}"
                : "no homogeneous package holds the model", CrossoverText]);
    }

    public override object ToJson() => new
    {
        Study, CostModel, Objective = Config.Objective.Name, CostProfile = Config.CostProfile.Name, Config.UcieReach, Comparison,
        Model = Config.Model.Name, Config.Bits, Config.RequestRate, Config.PromptTokens, Config.OutputTokens, Config.Batch,
        Config.Targets, KvBytesPerToken, WeightBytes, BaselineMatch = Config.Match,
        Cheapest = Cheapest is { } c ? Json(c) : null,
        Bespoke = Bespoke is { } b ? Json(b) : null,
        Baselines = Baselines.Select(x => new { x.Family, Nearest = x.Nearest is { } n ? Json(n) : null }),
        Closest = Cheapest is null && Closest is { } closest ? Json(closest) : null,
        Loads = Loads.Select(l => new { l.RequestRate, Winner = l.Winner is { } w ? Json(w) : null, BestHomogeneous = l.BestHomogeneous is { } h ? Json(h) : null }),
        SaturationRate, Saturation = Saturation is { } s ? Json(s) : null,
        Crossover = new { Crossover.SharedUpTo, Crossover.DisaggregatedFrom, Text = CrossoverText },
        Evaluations = Evaluations.Select(Json),
        Rejected = Rejected.Select(StudyReport.Rejected),
        Simulations, WallSeconds,
    };

    private static object Json(ServingEvaluation e) => new
    {
        e.Label, e.Disaggregated, e.Heterogeneous, e.Kind, e.PrefillReplicas, e.DecodeReplicas, Package = StudyReport.Package(e.Package), e.RequestRate, e.Batch, e.MemoryNeededBytes, e.MemoryCapacityBytes,
        QueueSeconds = StudyReport.Finite(e.QueueSeconds), TtftSeconds = StudyReport.Finite(e.TtftSeconds), TpotSeconds = StudyReport.Finite(e.TpotSeconds),
        KvTransferSeconds = e.KvTransfer?.LatencySeconds, Utilisation = StudyReport.Finite(e.Utilisation),
        e.CapacityTokensPerSecond, e.TokensPerSecond, EnergyPerTokenJ = StudyReport.Finite(e.EnergyPerTokenJ),
        TokensPerSecondPerWatt = StudyReport.Finite(e.TokensPerSecondPerWatt), CostPerMillionTokensUsd = StudyReport.Finite(e.CostPerMillionTokensUsd),
        EnergyCost = StudyReport.Finite(e.EnergyCost), e.MeetsTargets, e.Misses,
    };
}

/// <summary>
/// LLM serving. Disaggregated packages run prefill on one chiplet group and decode on another, with the prompt's KV
/// cache sent between them over the package links (a simulated transfer, charged to the decode side once per batch);
/// homogeneous packages run both phases on all their chiplets, one after the other. TPOT = simulated decode-step
/// latency at the mean KV length. A batch occupies the decode side for transfer + output × TPOT and the prefill side
/// for the prefill, so a disaggregated package serves a batch per max of the two (pipelined), a homogeneous one per
/// their sum; that busy time is the service time of the queue in front of the prefill (<see cref="BatchQueueing"/>), and
/// TTFT = queue wait + prefill. Served tokens/s are capped by the request rate, and a package must sustain
/// it. Weights and KV cache (batch × (prompt + output) tokens, sized by KV heads) must fit each group's whole memory
/// modules (at most max_modules_per_chiplet per chiplet). Cost per million tokens = package cost over the service
/// lifetime at the served rate + energy × PUE × electricity price. The search holds the homogeneous baselines, so the
/// bespoke package (the one the objective ranks first among all meeting the targets) is never worse than they are.
/// The optional load sweep repeats the evaluation per request rate and batch and names the winner per rate.
/// </summary>
public sealed class LlmServingStudy : IStudy
{
    public const string Name = "llm-serving";

    string IStudy.Name => Name;

    public string Description => "LLM serving: prefill and decode (disaggregated or not), KV cache, queueing in TTFT, TPOT targets, the winner per request rate";

    public string DefaultYaml => StudyFiles.DefaultText(Name);

    public void Validate(StudyOptions options) => LlmServingConfig.Load(options.Path, options.Technology, options.Full);

    public StudyResult Run(StudyOptions options, IProgress<double>? progress, CancellationToken cancellation)
    {
        var config = LlmServingConfig.Load(options.Path, options.Technology, options.Full);
        return Run(config, options.Technology, options.Simulator(config.CostModel), progress, cancellation);
    }

    /// <summary>Runs a loaded study; the simulator (its cost model and cache) is the caller's, or a new one on the default cost model.</summary>
    public static LlmServingResult Run(LlmServingConfig c, TechnologyLibrary t, StageSimulator? simulator = null,
        IProgress<double>? progress = null, CancellationToken cancellation = default)
    {
        var setup = new StudySetup(t, c.Designs, c.CostProfile, c.UcieReach, simulator);
        var sim = setup.Simulator;
        int total = 1 + c.SweepRates.Length * c.SweepBatches.Length, done = 0;
        (ImmutableArray<ServingEvaluation> Legal, ImmutableArray<RejectedPackage> Rejected) At(double rate, int batch)
        {
            cancellation.ThrowIfCancellationRequested();
            var result = EvaluateLoad(c with { RequestRate = rate, Batch = batch }, t, setup);
            progress?.Report(++done / (double)total);
            return result;
        }

        var (all, rejected) = At(c.RequestRate, c.Batch);
        var meeting = all.Where(e => e.MeetsTargets).ToList();
        var cheapest = meeting.OrderBy(e => e.Package.CostUsd).ThenBy(e => e.EnergyPerTokenJ).FirstOrDefault();
        var (bespoke, _, _, comparison) = StudySearch.Pick(meeting, e => !e.Disaggregated, c.Objective, e => e.PerToken, c.Match);
        var baselines = c.Match.Nearest(c.Homogeneous, meeting.Where(e => !e.Disaggregated), e => e.Package, bespoke?.Package)
            .Select(b => new ServingBaseline(b.Family, b.Nearest)).ToImmutableArray();
        var closest = all.OrderBy(e => Shortfall(e, c)).ThenBy(e => e.Package.CostUsd).FirstOrDefault();

        var loads = ImmutableArray.CreateBuilder<ServingLoad>();
        ServingEvaluation? saturation = null;
        foreach (var rate in c.SweepRates)
        {
            var swept = c.SweepBatches.SelectMany(b => At(rate, b).Legal).ToList();
            var (winner, bestHomogeneous, _, _) = StudySearch.Pick(swept.Where(e => e.MeetsTargets), e => !e.Disaggregated, c.Objective, e => e.PerToken, c.Match);
            loads.Add(new ServingLoad(rate, winner, bestHomogeneous));
            // Capacity does not depend on the rate: any rate's homogeneous packages give the saturation point.
            saturation ??= swept.Where(e => !e.Disaggregated && e.MemoryFits).MaxBy(e => e.CapacityTokensPerSecond);
        }
        return new LlmServingResult(c, all, cheapest, bespoke, comparison, baselines, closest, rejected, loads.ToImmutable(), saturation,
            TransformerSizing.KvBytesPerToken(c.Model, c.Bits), TransformerSizing.WeightBytes(c.Model, c.Bits), sim.Simulations, setup.WallSeconds)
        { CostModel = sim.CostModel };
    }

    /// <summary>Composes (or reuses) every package of the search at one load and evaluates the legal ones.</summary>
    private static (ImmutableArray<ServingEvaluation> Legal, ImmutableArray<RejectedPackage> Rejected) EvaluateLoad(LlmServingConfig c, TechnologyLibrary t, StudySetup setup)
    {
        var operating = OperatingCosts.From(t);
        long kvPerToken = TransformerSizing.KvBytesPerToken(c.Model, c.Bits);
        long weights = TransformerSizing.WeightBytes(c.Model, c.Bits);
        double prefillBytes = weights + (double)c.Batch * c.PromptTokens * kvPerToken;
        double decodeBytes = weights + (double)c.Batch * (c.PromptTokens + c.OutputTokens) * kvPerToken;

        // Per package, count ÷ degree replicas, each its own group of degree chiplets holding its stage's share (one of
        // the packages) of the weights and its batch's KV cache.
        IReadOnlyList<ChipletGroup> Replicas(string role, (string Design, int Count, string Memory, int Degree, int Packages) g, double bytes) =>
            [.. StageSharing.Replicas(setup, role, (g.Design, g.Count, g.Memory, g.Degree),
                Math.Min(PackageComposer.ModulesFor(t, g.Memory, bytes / g.Packages, g.Degree), g.Degree * c.MaxModulesPerChiplet))];
        static string Describe((string Design, int Count, string Memory, int Degree, int Packages) g) =>
            StageSharing.Describe(g.Count, g.Design, g.Degree, g.Memory) + (g.Packages == 1 ? "" : $" ×{g.Packages} packages");
        var boardLink = t.OffPackage(c.BoardLink);
        // Groups of one package each share it; a group spanning several packages puts every group on packages of its own.
        ComposedPackage Compose(string label, params (IReadOnlyList<ChipletGroup> Groups, int Packages)[] parts) =>
            parts.All(p => p.Packages == 1) ? setup.Compose(label, [.. parts.SelectMany(p => p.Groups)]) : setup.ComposeSystem(label, parts, boardLink);

        var plans = new List<(Replication Replicas, ComposedPackage Package)>();
        foreach (var p in c.Prefill.Spans())
            foreach (var d in c.Decode.Spans())
                plans.Add((new Replication(true, p.Count / p.Degree, d.Count / d.Degree), Compose($"P {Describe(p)} / D {Describe(d)}",
                    (Replicas("prefill", p, prefillBytes), p.Packages), (Replicas("decode", d, decodeBytes), d.Packages))));
        foreach (var h in c.Homogeneous.Spans())
            plans.Add((new Replication(false, h.Count / h.Degree, h.Count / h.Degree),
                Compose(Describe(h), (Replicas("all", h, decodeBytes), h.Packages))));

        // An illegal package cannot be built, so it is neither simulated nor chosen.
        var (legal, rejected) = LegalityGate.Split(plans.Select(p => p.Package));
        var replicasByName = plans.ToDictionary(p => p.Package.Name, p => p.Replicas, StringComparer.Ordinal);
        return ([.. legal.Select(p => Evaluate(c, t, setup.Simulator, operating, p.Name, replicasByName[p.Name], p, prefillBytes, decodeBytes, kvPerToken))],
            rejected);
    }

    /// <summary>Whether the phases run on separate groups, and how many model replicas serve each phase.</summary>
    private readonly record struct Replication(bool Disaggregated, int Prefill, int Decode);

    /// <summary>The worst relative miss of a package (0 when it meets everything); memory misses rank last.</summary>
    private static double Shortfall(ServingEvaluation e, LlmServingConfig c) => !e.MemoryFits ? double.MaxValue
        : Math.Max(0, Math.Max(Math.Max(e.TtftSeconds / c.Targets.TtftSeconds, e.TpotSeconds / c.Targets.TpotSeconds),
            c.RequestRate * c.OutputTokens / e.CapacityTokensPerSecond) - 1);

    private static ServingEvaluation Evaluate(LlmServingConfig c, TechnologyLibrary t, StageSimulator sim, OperatingCosts operating,
        string label, Replication replicas, ComposedPackage p, double prefillBytes, double decodeBytes, long kvPerToken)
    {
        bool disaggregated = replicas.Disaggregated;
        string prefillRole = disaggregated ? "prefill" : "all", decodeRole = disaggregated ? "decode" : "all";
        double Capacity(ChipletGroup g, int packages) => (double)packages * g.MemoryModules * t.Dram(g.MemoryType).CapacityBytes;
        var prefillGroup = p.Group(prefillRole);
        var decodeGroup = p.Group(decodeRole);
        // The tightest group decides whether the model fits: needed ÷ capacity.
        var fits = new[] { (prefillBytes, Capacity(prefillGroup, p.PackagesOf(prefillRole))), (decodeBytes, Capacity(decodeGroup, p.PackagesOf(decodeRole))) }
            .MaxBy(x => x.Item1 / x.Item2);
        var misses = ImmutableArray.CreateBuilder<string>();
        if (fits.Item1 > fits.Item2)
        {
            misses.Add($"memory: weights + KV cache need {fits.Item1 / (1L << 30):0.0} GiB, the modules hold {fits.Item2 / (1L << 30):0.0} GiB");
            return new ServingEvaluation(label, disaggregated, p, c.RequestRate, c.Batch, fits.Item1, fits.Item2, null, null, null, double.PositiveInfinity,
                double.PositiveInfinity, double.PositiveInfinity, double.PositiveInfinity, 0, 0, double.PositiveInfinity, double.PositiveInfinity, misses.ToImmutable())
            { PrefillReplicas = replicas.Prefill, DecodeReplicas = replicas.Decode };
        }

        var model = c.Model;
        // A pipeline over packages prefills its batch in micro-batches of requests (at most one per stage), so the stages
        // overlap; a decode step keeps the batch whole, as every micro-batch would stream the stage's weights again.
        int prefillStages = p.PackagesOf(prefillRole), decodeStages = p.PackagesOf(decodeRole), prefillMicroBatches = Math.Min(c.Batch, prefillStages);
        string Stages(int stages, int microBatches = 1) => stages == 1 ? "" : $"×{stages}pp{(microBatches == 1 ? "" : $"m{microBatches}")}";
        var prefill = sim.Model($"{model.Name}-prefill-b{c.Batch}-S{c.PromptTokens}-{c.Bits}b@{prefillGroup.HardwareKey}{Stages(prefillStages, prefillMicroBatches)}",
            p.Of(prefillRole), () => new ModelInstance(model.Name, ModelZoo.CreateTransformer(model,
                new ModelOptions(c.Batch, c.Bits, TransformerPhase.Prefill, SequenceLength: c.PromptTokens)), c.Batch), prefillStages, prefillMicroBatches);
        var decode = sim.Model($"{model.Name}-decode-b{c.Batch}-L{c.MeanContext}-{c.Bits}b@{decodeGroup.HardwareKey}{Stages(decodeStages)}",
            p.Of(decodeRole), () => new ModelInstance(model.Name, ModelZoo.CreateTransformer(model,
                new ModelOptions(c.Batch, c.Bits, TransformerPhase.Decode, ContextLength: c.MeanContext)), c.Batch), decodeStages);
        long kvBytes = (long)c.Batch * c.PromptTokens * kvPerToken;
        var transfer = disaggregated
            ? sim.Transfer($"kv-{kvBytes}@{StageSimulator.HardwareKey(p)}", p, prefillRole, decodeRole, kvBytes)
            : Metrics.Zero;

        double tokensPerBatch = (double)c.Batch * c.OutputTokens;
        var decodeBusy = transfer + decode.Times(c.OutputTokens);
        // The prefill server is busy for the prefill alone when the phases are split, for the whole batch when not.
        double prefillService = disaggregated ? prefill.LatencySeconds : prefill.LatencySeconds + decodeBusy.LatencySeconds;
        // Seconds per batch the package sustains: each phase's replicas work side by side, the slower phase decides.
        double batchSeconds = disaggregated
            ? Math.Max(prefill.LatencySeconds / replicas.Prefill, decodeBusy.LatencySeconds / replicas.Decode)
            : prefillService / replicas.Prefill;
        double utilisation = BatchQueueing.Utilisation(c.RequestRate, c.Batch, batchSeconds);
        // Requests split at random over the prefill replicas: each sees a Poisson stream of rate λ / replicas.
        double queue = BatchQueueing.WaitSeconds(c.RequestRate / replicas.Prefill, c.Batch, prefillService);
        double ttft = queue + prefill.LatencySeconds;
        double capacity = tokensPerBatch / batchSeconds;
        double demanded = c.RequestRate * c.OutputTokens;
        double served = Math.Min(capacity, demanded);
        double energyPerToken = (prefill + decodeBusy).EnergyJ / tokensPerBatch;
        double costPerMillion = 1e6 * (p.CostUsd / (operating.LifetimeSeconds * served) + operating.EnergyUsd(energyPerToken));

        if (ttft > c.Targets.TtftSeconds)
            misses.Add(double.IsFinite(ttft)
                ? $"TTFT {ttft * 1e3:0.0} ms (queue {queue * 1e3:0.0} ms + prefill {prefill.LatencySeconds * 1e3:0.0} ms) > target {c.Targets.TtftSeconds * 1e3:0.0} ms (+{(ttft / c.Targets.TtftSeconds - 1) * 100:0.0} %)"
                : $"TTFT unbounded: the prefill queue is saturated (utilisation {BatchQueueing.Utilisation(c.RequestRate / replicas.Prefill, c.Batch, prefillService):0.00})");
        if (decode.LatencySeconds > c.Targets.TpotSeconds)
            misses.Add($"TPOT {decode.LatencySeconds * 1e3:0.00} ms > target {c.Targets.TpotSeconds * 1e3:0.00} ms (+{(decode.LatencySeconds / c.Targets.TpotSeconds - 1) * 100:0.0} %)");
        if (capacity < demanded)
            misses.Add($"rate: serves {capacity:0.0} tokens/s < {demanded:0.0} demanded ({c.RequestRate:0.##} requests/s × {c.OutputTokens} tokens)");
        return new ServingEvaluation(label, disaggregated, p, c.RequestRate, c.Batch, fits.Item1, fits.Item2, prefill, decode, transfer, queue,
            ttft, decode.LatencySeconds, utilisation, capacity, served, energyPerToken, costPerMillion, misses.ToImmutable())
        { PrefillReplicas = replicas.Prefill, DecodeReplicas = replicas.Decode };
    }
}

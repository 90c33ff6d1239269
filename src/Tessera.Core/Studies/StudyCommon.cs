using System.Collections.Immutable;
using System.Diagnostics;
using Tessera.Chiplets;
using Tessera.Costs;
using Tessera.Diagnostics;
using Tessera.Economics;
using Tessera.Hardware;
using Tessera.Scheduling;
using Tessera.Scoring;
using Tessera.Simulation;
using Tessera.Technology;
using Tessera.Workloads;
using Tessera.Yaml;
using YamlDotNet.RepresentationModel;

namespace Tessera.Studies;

/// <summary>A chiplet design named in a study file: a Mozart template (ws, os, rs) with its knobs.</summary>
public sealed record ChipletSpec(string Name, string Template, int WidthScale, int HeightScale, int BufferMultiplier)
{
    /// <summary>The candidate (chiplet, die area, die cost) from <see cref="CandidateGenerator"/> at the ecosystem node.</summary>
    public ChipletCandidate Create(TechnologyLibrary t)
    {
        var template = ChipletTemplate.Mozart(t).FirstOrDefault(x => string.Equals(x.Abbreviation, Template.Trim(), StringComparison.OrdinalIgnoreCase))
            ?? throw new TesseraInputException($"design '{Name}': template '{Template}'; expected ws, os or rs");
        return CandidateGenerator.Create(t, template, WidthScale, HeightScale, BufferMultiplier, t.NodeFrom("ecosystem.node"));
    }
}

/// <summary>
/// Simulates study stages with the event-driven simulator and remembers each result by a key naming the model, phase,
/// lengths and hardware (the caller's key must name all of them), so packages that share a group reuse its
/// simulations within a run. A model runs tensor parallel over all cores of its (sub-)package, or, over the packages of
/// a system, as pipeline stages (<see cref="SystemPartitioner"/>: one stage per package, tensor parallel inside it,
/// optionally in micro-batches). Not thread-safe:
/// one study run at a time. A stage's metrics carry its latency and its total energy only (no breakdown, no cost): the
/// studies add and scale stages, and adding totals rounds exactly as the study figures always have.
/// </summary>
public sealed class StageSimulator(IOperatorCostModel costModel)
{
    private readonly Dictionary<string, Metrics> _cache = new(StringComparer.Ordinal);

    /// <summary>The name of the operator cost model every stage is simulated with.</summary>
    public string CostModel => costModel.Name;

    public int Simulations { get; private set; }
    public int CacheHits { get; private set; }

    /// <summary>
    /// One model instance tensor parallel over every core of the package, or with <paramref name="stages"/> &gt; 1 as that
    /// many pipeline stages over the system's packages, its batch in <paramref name="microBatches"/> micro-batches.
    /// </summary>
    public Metrics Model(string key, Package package, Func<ModelInstance> model, int stages = 1, int microBatches = 1) => Cached(key, () =>
    {
        var instance = model();
        var options = stages == 1
            ? new PartitionOptions(PartitionMode.TensorParallel, TensorParallelWays: CoreRef.All(package).Length)
            : new PartitionOptions(PartitionMode.System, microBatches) { PipelineStages = stages };
        var graph = Partitioners.Create(options, costModel).Partition(package, [instance]);
        var result = new Simulator(costModel).Simulate(key, package, graph).Evaluation;
        return Metrics.Of(result.LatencySeconds, result.Energy.TotalJ);
    });

    /// <summary>Bytes sent from every chiplet of one group to every chiplet of another (evenly split) over the package's links.</summary>
    public Metrics Transfer(string key, Package package, IReadOnlyList<string> from, IReadOnlyList<string> to, long bytes) =>
        Cached(key, () =>
        {
            if (bytes <= 0) return Metrics.Zero;
            var builder = new TaskGraphBuilder(PartitionMode.LayerByLayer, []);
            long share = Math.Max(1, bytes / (from.Count * to.Count));
            foreach (var f in from)
                foreach (var d in to)
                    builder.Transfer($"{f}->{d}", key, new CoreRef(f, 0), new CoreRef(d, 0), share, [], holdOutput: false);
            var result = new Simulator(costModel).Simulate(key, package, builder.Build()).Evaluation;
            return Metrics.Of(result.LatencySeconds, result.Energy.TotalJ);
        });

    /// <summary>Bytes sent from every chiplet of one role's group to every chiplet of another's over the whole package's links.</summary>
    public Metrics Transfer(string key, ComposedPackage p, string fromRole, string toRole, long bytes) =>
        Transfer(key, p.Package, ChipletIds(p, fromRole), ChipletIds(p, toRole), bytes);

    private static string[] ChipletIds(ComposedPackage p, string role) => [.. p.Of(role).Chiplets.Select(ch => ch.Id)];

    private Metrics Cached(string key, Func<Metrics> simulate)
    {
        if (_cache.TryGetValue(key, out var hit))
        {
            CacheHits++;
            return hit;
        }
        var result = simulate();
        Simulations++;
        _cache[key] = result;
        return result;
    }

    /// <summary>A cache key for a package's hardware: its groups (design, count, memory), whatever the package is called.</summary>
    public static string HardwareKey(ComposedPackage p) => p.Parts.IsEmpty ? string.Join("|", p.Groups.Select(g => $"{g.Role}:{g.HardwareKey}"))
        : string.Join("/", p.Parts.Select(HardwareKey));
}

/// <summary>A composed package the floorplanner rejects: it is not simulated, only reported with its violations.</summary>
public sealed record RejectedPackage(ComposedPackage Package)
{
    public string Label => Package.Name;

    /// <summary>The first violation (reticle, carrier size, link reach, shoreline or power density).</summary>
    public string Violation => Package.Violations[0].Message;

    public int ViolationCount => Package.Violations.Length;
}

/// <summary>Physical legality as a study gate: only packages whose floorplan passes every check are evaluated.</summary>
public static class LegalityGate
{
    /// <summary>The legal packages, in order, and the rejected ones with their violations.</summary>
    public static (ImmutableArray<ComposedPackage> Legal, ImmutableArray<RejectedPackage> Rejected) Split(IEnumerable<ComposedPackage> packages)
    {
        var legal = ImmutableArray.CreateBuilder<ComposedPackage>();
        var rejected = ImmutableArray.CreateBuilder<RejectedPackage>();
        foreach (var p in packages)
            if (p.Legal) legal.Add(p);
            else rejected.Add(new RejectedPackage(p));
        return (legal.ToImmutable(), rejected.ToImmutable());
    }
}

/// <summary>The operating constants that turn energy and a package price into $ per token or per frame.</summary>
public sealed record OperatingCosts(double ElectricityUsdPerKwh, double Pue, double LifetimeSeconds, double JoulesPerKwh)
{
    public static OperatingCosts From(TechnologyLibrary t) => new(t.Value("operating.electricity_price"), t.Value("operating.pue"),
        t.Value("operating.service_lifetime") * t.Value("operating.seconds_per_year"), t.Value("operating.joules_per_kwh"));

    /// <summary>Energy bill of some joules drawn by the package (facility overhead included).</summary>
    public double EnergyUsd(double joules) => joules * Pue / JoulesPerKwh * ElectricityUsdPerKwh;
}

/// <summary>Reading study files: the embedded default or a user's copy, with file:line:column errors.</summary>
public static class StudyFiles
{
    /// <summary>The built-in default file of a study, as the user would copy it.</summary>
    public static string DefaultText(string study)
    {
        var resource = $"Tessera.Studies.{study}.yaml";
        using var stream = typeof(StudyFiles).Assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"embedded resource {resource} is missing");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>
    /// Opens a study file and refuses keys outside <paramref name="keys"/> (and <c>full:</c>, whose keys are checked
    /// the same way). With <paramref name="full"/> the keys under <c>full:</c> replace the top-level ones: the large
    /// search space `--full` runs.
    /// </summary>
    internal static (YamlReader Reader, YamlMappingNode Root) Open(string study, string? path, bool full, params string[] keys)
    {
        var (r, root) = path is null ? YamlReader.LoadText(DefaultText(study), $"{study}.yaml (built-in)") : YamlReader.Load(path);
        r.KnownKeys(root, "the study", [.. keys, "full"]);
        if (YamlReader.Find(root, "full") is not { } node) return (r, root);
        var overrides = r.Mapping(node, "full");
        r.KnownKeys(overrides, "full", keys);
        if (!full) return (r, root);
        var replaced = overrides.Children.Keys.Select(k => r.Text(k, "key")).ToHashSet(StringComparer.Ordinal);
        var merged = new YamlMappingNode(root.Children.Where(kv => r.Text(kv.Key, "key") is var k && k != "full" && !replaced.Contains(k)));
        foreach (var (k, v) in overrides.Children) merged.Add(k, v);
        return (r, merged);
    }

    internal static int Int(YamlReader r, YamlMappingNode map, string key) => r.PositiveInt(r.Need(map, key, "the study"), key);

    internal static double Number(YamlReader r, YamlMappingNode map, string key) => r.Positive(r.Need(map, key, "the study"), key);

    internal static double Seconds(YamlReader r, YamlMappingNode map, string key) =>
        r.Quantity(r.Need(map, key, "the study"), key, YamlReader.TimeUnits, "s");

    internal static ImmutableArray<int> Ints(YamlReader r, YamlMappingNode map, string key) =>
        [.. NonEmpty(r, map, key).Select(n => r.PositiveInt(n, key))];

    internal static ImmutableArray<double> Numbers(YamlReader r, YamlMappingNode map, string key) =>
        [.. NonEmpty(r, map, key).Select(n => r.Number(n, key))];

    internal static ImmutableArray<double> Positives(YamlReader r, YamlMappingNode map, string key) =>
        [.. NonEmpty(r, map, key).Select(n => r.Positive(n, key))];

    internal static ImmutableArray<string> Texts(YamlReader r, YamlMappingNode map, string key) =>
        [.. NonEmpty(r, map, key).Select(n => r.Text(n, key))];

    /// <summary>A list with at least one value and no value twice (a repeated value would be a repeated package or row).</summary>
    private static YamlSequenceNode NonEmpty(YamlReader r, YamlMappingNode map, string key)
    {
        var list = r.Sequence(r.Need(map, key, "the study"), key);
        if (list.Children.Count == 0) throw r.Error(list, $"{key} is empty; expected at least one value");
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var item in list.Children)
            if (item is YamlScalarNode { Value: { } value } && !seen.Add(value.Trim()))
                throw r.Error(item, $"{key} lists '{value}' twice; expected each value once");
        return list;
    }

    /// <summary>
    /// The <c>designs:</c> mapping: name → template and knobs, each checked by building its candidate. The entry
    /// <c>grid: default</c> (24 candidates) or <c>grid: mozart</c> (Mozart's 192) adds every candidate of that knob grid,
    /// named template-W×H-bBUFFER (e.g. <c>ws-2x4-b4</c>).
    /// </summary>
    internal static ImmutableDictionary<string, ChipletSpec> Designs(YamlReader r, YamlMappingNode root, TechnologyLibrary t)
    {
        var designs = r.Mapping(r.Need(root, "designs", "the study"), "designs");
        var result = ImmutableDictionary.CreateBuilder<string, ChipletSpec>(StringComparer.Ordinal);
        foreach (var (keyNode, value) in designs.Children)
        {
            var name = r.Text(keyNode, "design name");
            if (name == "grid")
            {
                var knobs = r.Text(value, "grid").Trim().ToLowerInvariant() switch
                {
                    "default" => CandidateKnobs.Default(t),
                    "mozart" => CandidateKnobs.Mozart(t),
                    var other => throw r.Error(value, $"grid '{other}'; expected default or mozart"),
                };
                foreach (var knob in from template in knobs.Templates
                                     from w in knobs.WidthScales
                                     from h in knobs.HeightScales
                                     from b in knobs.BufferMultipliers
                                     select new ChipletSpec($"{template.Abbreviation}-{w}x{h}-b{b}", template.Abbreviation, w, h, b))
                    result[knob.Name] = knob;
                continue;
            }
            var map = r.Mapping(value, $"design {name}");
            var spec = new ChipletSpec(name, r.Text(r.Need(map, "template", $"design {name}"), "template"),
                r.PositiveInt(r.Need(map, "width_scale", $"design {name}"), "width_scale"),
                r.PositiveInt(r.Need(map, "height_scale", $"design {name}"), "height_scale"),
                r.PositiveInt(r.Need(map, "buffer", $"design {name}"), "buffer"));
            try { spec.Create(t); }
            catch (TesseraInputException e) { throw r.Error(value, e.Message); }
            result[name] = spec;
        }
        return result.ToImmutable();
    }

    /// <summary>A design name that must be one of <c>designs:</c>.</summary>
    internal static string DesignName(YamlReader r, YamlNode node, IReadOnlyDictionary<string, ChipletSpec> designs)
    {
        var name = r.Text(node, "design");
        return designs.ContainsKey(name) ? name
            : throw r.Error(node, $"design '{name}' is not listed under designs; expected one of {string.Join(", ", designs.Keys)}");
    }

    /// <summary>A memory type the technology library knows.</summary>
    internal static string MemoryType(YamlReader r, YamlNode node, TechnologyLibrary t)
    {
        return r.Parsed(node, "memory", text => t.Dram(text.Trim()).Type);
    }

    /// <summary>
    /// A search space of one group: <c>{designs: [...], counts: [...], memory: [...]}</c>; <c>designs: [all]</c> takes every
    /// design. With <paramref name="tensorParallel"/> the optional <c>tp: [...]</c> lists the tensor-parallel degrees a
    /// group may run at (count ÷ degree replicas; the whole group when absent); with <paramref name="packages"/> the
    /// optional <c>packages: [...]</c> lists the packages it may span as pipeline stages (one when absent).
    /// </summary>
    internal static GroupSpace Space(YamlReader r, YamlMappingNode root, string key, IReadOnlyDictionary<string, ChipletSpec> designs, TechnologyLibrary t,
        bool tensorParallel = false, bool packages = false)
    {
        var map = r.Mapping(r.Need(root, key, "the study"), key);
        r.KnownKeys(map, key, ["designs", "counts", "memory", .. tensorParallel ? ["tp"] : Array.Empty<string>(), .. packages ? ["packages"] : Array.Empty<string>()]);
        foreach (var count in NonEmpty(r, map, "counts"))
            Limits.Check($"{r.File}:{count.Start.Line}:{count.Start.Column}", $"{key} chiplet count", r.PositiveInt(count, "counts"), Limits.Current.Chiplets, "chiplets");
        var names = NonEmpty(r, map, "designs");
        var space = new GroupSpace(
            names.Children.Count == 1 && names.Children[0] is YamlScalarNode { Value: "all" } && !designs.ContainsKey("all")
                ? [.. designs.Keys.Order(StringComparer.Ordinal)]
                : [.. names.Select(n => DesignName(r, n, designs))],
            Ints(r, map, "counts"),
            [.. NonEmpty(r, map, "memory").Select(n => MemoryType(r, n, t))])
        {
            TensorParallel = YamlReader.Find(map, "tp") is null ? [] : Ints(r, map, "tp"),
            Packages = YamlReader.Find(map, "packages") is null ? [1] : Ints(r, map, "packages"),
        };
        if (YamlReader.Find(map, "packages") is { } spans)
            Limits.Check($"{r.File}:{spans.Start.Line}:{spans.Start.Column}", $"{key} chiplets over its packages (count × packages)",
                (double)space.Counts.Max() * space.Packages.Max(), Limits.Current.Chiplets, "chiplets");
        if (YamlReader.Find(map, "tp") is YamlSequenceNode degrees)
            foreach (var degree in degrees.Children.Where(n => !space.Counts.Any(count => count % r.PositiveInt(n, "tp") == 0)))
                throw r.Error(degree, $"tp {r.PositiveInt(degree, "tp")} divides none of the {key} counts ({string.Join(", ", space.Counts)}); " +
                    "expected a degree that divides a count");
        Limits.Check($"{r.File}:{map.Start.Line}:{map.Start.Column}", $"the {key} space (designs × counts × memory × tp × packages)", space.Size,
            Limits.Current.StudyPoints, "study-points");
        return space;
    }

    /// <summary>
    /// The optional <c>objective:</c> that ranks the packages meeting the study's constraints; energy × package cost
    /// when absent, the ranking of Mozart's studies.
    /// </summary>
    internal static Objective Objective(YamlReader r, YamlMappingNode root)
    {
        return YamlReader.Find(root, "objective") is { } node ? r.Parsed(node, "objective", Scoring.Objective.Parse) : Scoring.Objective.EnergyCost;
    }

    /// <summary>
    /// The optional <c>cost_profile:</c> that prices the packages' dies and packaging (<see cref="Economics.CostProfile"/>;
    /// the default profile when absent). An unknown name lists the profiles.
    /// </summary>
    internal static CostProfile CostProfile(YamlReader r, YamlMappingNode root)
    {
        return YamlReader.Find(root, "cost_profile") is { } node ? r.Parsed(node, "cost_profile", Economics.CostProfile.Parse) : Economics.CostProfile.Default;
    }

    /// <summary>The optional <c>cost_model:</c>: the operator cost model the stages are simulated with (null when absent).</summary>
    internal static string? CostModel(YamlReader r, YamlMappingNode root)
    {
        return YamlReader.Find(root, "cost_model") is { } node ? r.Parsed(node, "cost_model", name => CostModels.Create(name).Name) : null;
    }

    /// <summary>
    /// The optional <c>ucie_reach:</c>: the UCIe-advanced reach choice of the technology library (spec 2 mm, the default
    /// when absent, or mozart 10 mm) that bounds the packages' links; an unknown name lists the choices.
    /// </summary>
    internal static string UcieReach(YamlReader r, YamlMappingNode root, TechnologyLibrary t)
    {
        var choices = t.ReachChoices("ucie-advanced");
        if (YamlReader.Find(root, "ucie_reach") is not { } node) return choices[0];
        var name = r.Text(node, "ucie_reach").Trim();
        return choices.FirstOrDefault(c => string.Equals(c, name, StringComparison.OrdinalIgnoreCase))
            ?? throw r.Error(node, $"ucie_reach '{name}'{Suggestions.DidYouMean(name, choices)}; expected one of {string.Join(", ", choices)}");
    }

    /// <summary>
    /// The search must contain its homogeneous baselines: every design of the baseline space must be one each stage may
    /// take, so the search holds the baseline's design on every stage as well as the baseline itself (all stages on
    /// its chiplets). A design missing from a stage's list is an input error at the baseline's design.
    /// </summary>
    internal static void ContainsBaselines(YamlReader r, YamlMappingNode root, string baselineKey, GroupSpace baselines,
        params (string Key, GroupSpace Space)[] stages)
    {
        var designNodes = r.Sequence(r.Need(r.Mapping(r.Need(root, baselineKey, "the study"), baselineKey), "designs", baselineKey), "designs");
        for (int i = 0; i < baselines.Designs.Length; i++)
            foreach (var (key, space) in stages)
                if (!space.Designs.Contains(baselines.Designs[i]))
                    throw r.Error(designNodes.Children[i], $"baseline design '{baselines.Designs[i]}' is missing from {key}.designs " +
                        $"({string.Join(", ", space.Designs)}), so the search cannot contain the baselines; add it there or drop it from {baselineKey}.designs");
    }

    /// <summary>The optional <c>baseline_match:</c> (cost or area; cost when absent).</summary>
    internal static BaselineMatch Match(YamlReader r, YamlMappingNode root)
    {
        if (YamlReader.Find(root, "baseline_match") is not { } node) return BaselineMatch.Cost;
        return r.Text(node, "baseline_match").Trim().ToLowerInvariant() switch
        {
            "cost" => BaselineMatch.Cost,
            "area" => BaselineMatch.Area,
            var other => throw r.Error(node, $"baseline_match '{other}'; expected cost or area"),
        };
    }

}

/// <summary>What "equal" means when a homogeneous baseline is matched to the bespoke package.</summary>
public enum BaselineMatch
{
    /// <summary>The baseline whose package cost (unit cost + NRE per unit) is nearest.</summary>
    Cost,

    /// <summary>The baseline whose total die area is nearest.</summary>
    Area,
}

/// <summary>The measure a baseline is matched on.</summary>
public static class BaselineMatching
{
    public static double Measure(this BaselineMatch match, ComposedPackage p) => match == BaselineMatch.Cost ? p.CostUsd : p.DieAreaMm2;

    /// <summary>How far a package is from the reference on the match's measure.</summary>
    public static double Distance(this BaselineMatch match, ComposedPackage p, ComposedPackage reference) =>
        Math.Abs(match.Measure(p) - match.Measure(reference));

    /// <summary>
    /// Each homogeneous family (design + memory, "design+memory") and its candidate nearest the reference package on
    /// the match's measure; null when there is no reference or no candidate of the family.
    /// </summary>
    public static IEnumerable<(string Family, T? Nearest)> Nearest<T>(this BaselineMatch match, GroupSpace homogeneous,
        IEnumerable<T> candidates, Func<T, ComposedPackage> package, ComposedPackage? reference) where T : class =>
        homogeneous.Designs.SelectMany(d => homogeneous.Memory.Select(m => (d, m)))
            .Select(f => ($"{f.d}+{f.m}", reference is null ? null : candidates
                .Where(e => package(e).Groups[0].DesignName == f.d && package(e).Groups[0].MemoryType == f.m)
                .OrderBy(e => match.Distance(package(e), reference)).FirstOrDefault()));
}

/// <summary>
/// The options of one chiplet group in a study's search: designs × counts × memory types, the tensor-parallel degrees
/// the group may run at (empty: the whole group, one model instance over all its chiplets) and the packages it may span
/// as pipeline stages (each package holding count chiplets; one by default).
/// </summary>
public sealed record GroupSpace(ImmutableArray<string> Designs, ImmutableArray<int> Counts, ImmutableArray<string> Memory)
{
    public ImmutableArray<int> TensorParallel { get; init; } = [];

    public ImmutableArray<int> Packages { get; init; } = [1];

    /// <summary>How many deployments over packages the space holds (<see cref="Spans"/>), counted without listing them.</summary>
    public double Size => (double)Designs.Length * Memory.Length * Packages.Length *
        Counts.Sum(n => TensorParallel.IsEmpty ? 1 : TensorParallel.Count(tp => n % tp == 0));

    /// <summary>Every (design, count, memory) of the space, designs outermost.</summary>
    public IEnumerable<(string Design, int Count, string Memory)> Combinations() =>
        from d in Designs from n in Counts from m in Memory select (d, n, m);

    /// <summary>
    /// Every (design, count, memory, degree) with a degree that divides the count: count ÷ degree replicas of the model,
    /// each tensor parallel over degree chiplets; the degree is the count when no degrees are listed.
    /// </summary>
    public IEnumerable<(string Design, int Count, string Memory, int Degree)> Deployments() =>
        from c in Combinations()
        from tp in TensorParallel.IsEmpty ? [c.Count] : TensorParallel.Where(tp => c.Count % tp == 0)
        select (c.Design, c.Count, c.Memory, tp);

    /// <summary>Every deployment over each number of packages: count chiplets per package, the packages as pipeline stages.</summary>
    public IEnumerable<(string Design, int Count, string Memory, int Degree, int Packages)> Spans() =>
        from d in Deployments() from packages in Packages select (d.Design, d.Count, d.Memory, d.Degree, packages);
}

/// <summary>
/// What every study run starts with: its wall clock, the simulator (the caller's, to share its cache and choose its cost
/// model, or a new one on the default cost model), the default cost options under the study's cost profile and each
/// design's chiplet candidate.
/// </summary>
internal sealed class StudySetup(TechnologyLibrary t, IReadOnlyDictionary<string, ChipletSpec> designs, CostProfile profile, string? ucieReach,
    StageSimulator? simulator)
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Dictionary<string, ComposedPackage> _composed = new(StringComparer.Ordinal);

    public StageSimulator Simulator { get; } = simulator ?? new StageSimulator(CostModels.Create(CostModels.Default));
    public CostOptions Options { get; } = CostOptions.Default(t) with { Profile = profile };
    public ImmutableDictionary<string, ChipletCandidate> Candidates { get; } = designs.ToImmutableDictionary(d => d.Key, d => d.Value.Create(t));
    public double WallSeconds => _clock.Elapsed.TotalSeconds;

    /// <summary>A group of one design's chiplets with the given memory modules.</summary>
    public ChipletGroup Group(string role, string design, int count, string memory, int modules) =>
        new(role, design, Candidates[design], count, memory, modules);

    /// <summary>
    /// A study package: its groups laid out as blocks side by side, costed and floorplanned at the study's UCIe reach;
    /// composed once per run (a load sweep asks for the same package at every request rate).
    /// </summary>
    public ComposedPackage Compose(string name, IReadOnlyList<ChipletGroup> groups)
    {
        var key = $"{name}#{string.Join("|", groups.Select(g => $"{g.Role}:{g.HardwareKey}"))}";
        if (!_composed.TryGetValue(key, out var package))
            _composed[key] = package = PackageComposer.Compose(t, name, groups, PackageTopology.Blocks, Options, ucieReach);
        return package;
    }

    /// <summary>
    /// A study system: each entry's groups composed as one package (<see cref="Compose"/>, named for its groups so equal
    /// packages are composed once) and repeated, the packages in order on a board joined by <paramref name="boardLink"/>.
    /// </summary>
    public ComposedPackage ComposeSystem(string name, IReadOnlyList<(IReadOnlyList<ChipletGroup> Groups, int Packages)> parts, DieToDieSpec boardLink) =>
        PackageComposer.ComposeSystem(name, [.. parts.SelectMany(p => Enumerable.Repeat(
            Compose($"{name} {p.Groups[0].Role} package", p.Groups), p.Packages))], boardLink);
}

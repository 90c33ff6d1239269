using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using Tessera.Costs;
using Tessera.Diagnostics;
using Tessera.Reports;
using Tessera.Scenarios;

namespace Tessera.Sweeps;

/// <summary>
/// One value of an axis: its text as given (for tables and the point's name), where it was given, and what it does to
/// a scenario. <see cref="Order"/> sets when it applies: values that replace the models (order 0) go before those that
/// change every model (batch, phase …), whatever the order of the keys in the file.
/// </summary>
public sealed record SweepValue(string Text, string Origin, Func<Scenario, Scenario> Apply, int Order = 1);

/// <summary>
/// A point of a sweep: its position in the sweep's order, its id (a hash of its resolved configuration, the same on
/// every machine), the value of each axis and the scenario it runs.
/// </summary>
public sealed record SweepPoint(int Index, string Id, ImmutableArray<(string Key, string Value)> Values, Scenario Scenario)
{
    /// <summary>"hardware=scar-2x2-het batch=4": the axis values, for tables and logs.</summary>
    public string Label => Values.IsEmpty ? "base" : string.Join(' ', Values.Select(v => $"{v.Key}={v.Value}"));

    /// <summary>The shard (1 to <paramref name="shards"/>) this point belongs to: its id as a number, modulo the shard count, plus one.</summary>
    public int Shard(int shards) => (int)(ulong.Parse(Id[..15], NumberStyles.HexNumber, CultureInfo.InvariantCulture) % (ulong)shards) + 1;
}

/// <summary>
/// A sweep: the points to evaluate, each a base scenario changed by its values — the product of its axes (and of a listed set of points), or a
/// seeded random sample of it. <see cref="Keys"/> are the fields the points vary, in the file's order. <see cref="Id"/> names the sweep by its points (their ids in order), so two files that
/// expand to the same points are the same sweep and shards of different sweeps can be told apart.
/// </summary>
public sealed record SweepSpec(string Name, string? Source, ImmutableArray<string> Keys, ImmutableArray<SweepPoint> Points)
{
    public string Id { get; } = Hash(string.Join('\n', Points.Select(p => p.Id)));

    /// <summary>The points of shard <paramref name="index"/> of <paramref name="shards"/> (1-based), in the sweep's order.</summary>
    public ImmutableArray<SweepPoint> Shard(int index, int shards)
    {
        if (shards < 1 || index < 1 || index > shards)
            throw new TesseraInputException($"shard {index}/{shards}; expected an index from 1 to the shard count {shards} (at least 1)");
        return [.. Points.Where(p => p.Shard(shards) == index)];
    }

    /// <summary>
    /// Resolves each combination of axis values into a point: values applied to the base scenario in their order, the
    /// id hashed from the scenario as <see cref="ScenarioWriter"/> spells it (every choice explicit) with files named
    /// by their content, and the hardware overrides. Two combinations that resolve to one configuration are refused.
    /// </summary>
    public static ImmutableArray<SweepPoint> Resolve(Scenario baseScenario, IEnumerable<ImmutableArray<(string Key, SweepValue Value)>> combinations)
    {
        ArgumentNullException.ThrowIfNull(baseScenario);
        ArgumentNullException.ThrowIfNull(combinations);
        var points = ImmutableArray.CreateBuilder<SweepPoint>();
        var seen = new Dictionary<string, SweepPoint>(StringComparer.Ordinal);
        // Each file is checked and hashed once, and each cost model built once, however many points name them.
        var files = new Dictionary<string, string>(StringComparer.Ordinal);
        var costModels = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        string Content(string path) => !File.Exists(path) ? path
            : files.TryGetValue(path, out var hash) ? hash : files[path] = $"sha256:{Manifest.FileSha256(path)}";
        string Identity(string costModel) => costModels.TryGetValue(costModel, out var id) ? id : costModels[costModel] = CostModels.Create(costModel).Identity;
        foreach (var combination in combinations)
        {
            var scenario = combination.OrderBy(c => c.Value.Order).Aggregate(baseScenario, (s, c) => c.Value.Apply(s));
            var point = new SweepPoint(points.Count, PointId(scenario, Content, Identity), [.. combination.Select(c => (c.Key, c.Value.Text))], scenario);
            if (seen.TryGetValue(point.Id, out var same))
                throw TesseraInputException.At(combination.FirstOrDefault().Value?.Origin,
                    $"points {same.Index + 1} ({same.Label}) and {point.Index + 1} ({point.Label}) are the same configuration; expected distinct points " +
                    "(a value equal to the default, or one that another axis overrides)");
            seen[point.Id] = point;
            points.Add(point);
        }
        return points.ToImmutable();
    }

    /// <summary>
    /// A point's id: the SHA-256 (first 16 hex digits) of the scenario written out with every choice explicit, its
    /// files (hardware, models, mapping) replaced by <paramref name="content"/> (their hashes) so the id does not depend
    /// on where the files are, the hardware overrides, the technology library's hash and the cost model's identity (its
    /// parameters), so that a changed library or model is a new point. The name is left out: it labels, it does not compute.
    /// </summary>
    public static string PointId(Scenario scenario, Func<string, string> content, Func<string, string> costModelIdentity)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(costModelIdentity);
        var canonical = scenario with
        {
            Name = "point",
            Source = null,
            Hardware = content(scenario.Hardware),
            Mapping = scenario.Mapping is { } m ? content(m) : null,
            Models = [.. scenario.Models.Select(r => r with { Source = content(r.Source) })],
        };
        var text = new StringBuilder(ScenarioWriter.Write(canonical));
        foreach (var (key, value) in scenario.HardwareOverrides.Describe()) text.Append("override ").Append(key).Append(": ").Append(value).Append('\n');
        text.Append("technology ").Append(Manifest.DefaultTechnologySha256).Append('\n');
        text.Append("cost model ").Append(costModelIdentity(scenario.Schedule.CostModel)).Append('\n');
        return Hash(text.ToString());
    }

    private static string Hash(string text) => Manifest.Sha256Hex(Encoding.UTF8.GetBytes(text))[..16];
}

using System.Globalization;
using Tessera.Scheduling;
using Tessera.Search;
using YamlDotNet.RepresentationModel;

namespace Tessera.Scenarios;

/// <summary>
/// Writes a scenario as the YAML <see cref="ScenarioLoader"/> reads, with every choice spelled out — the partition and
/// its settings, the scheduler with each of its options (given or default), the objective, the cost model and
/// contention — so that running the file repeats the run exactly.
/// </summary>
public static class ScenarioWriter
{
    public static string Write(Scenario scenario)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        var spec = scenario.Schedule;
        var scheduler = Schedulers.Find(spec.Scheduler);
        var root = new YamlMappingNode
        {
            { "name", scenario.Name },
            { "hardware", scenario.Hardware },
            { "bits", Text(scenario.Bits) },
        };
        var models = new YamlSequenceNode();
        foreach (var m in scenario.Models)
        {
            var entry = new YamlMappingNode
            {
                { "model", m.Source }, { "batch", Text(m.Batch) }, { "phase", m.Phase.ToString().ToLowerInvariant() },
                { "sequence", Text(m.SequenceLength) }, { "context", Text(m.ContextLength) },
            };
            if (m.Label is { } label) entry.Add("label", label);
            if (m.MiniBatchSize is { } size) entry.Add("minibatch_size", Text(size));
            models.Add(entry);
        }
        root.Add("models", models);
        // With a Stream mapping and no partition given, the mapping decides; otherwise the partition is written out.
        if (scenario.Mapping is { } mapping) root.Add("mapping", mapping);
        var mode = scenario.Partition ?? (scenario.Mapping is null ? scheduler.Partitions[0] : (PartitionMode?)null);
        if (mode is { } m2)
        {
            root.Add("partition", Partitioners.Spelling(m2));
            if (m2 is PartitionMode.Pipelined or PartitionMode.System && scenario.Models.All(m => m.MiniBatchSize is null)) root.Add("minibatch", Text(scenario.MiniBatches ?? 1));
            if (m2 == PartitionMode.TensorParallel) root.Add("tp", Text(scenario.TensorParallelWays ?? Partitioners.DefaultTensorParallelWays));
            if (m2 == PartitionMode.System)
            {
                // Unset: every core of a package, every package; the writer leaves them to the partitioner so the file stays true.
                if (scenario.TensorParallelWays is { } tp) root.Add("tp", Text(tp));
                if (scenario.PipelineStages is { } pp) root.Add("pp", Text(pp));
                root.Add("dp", Text(scenario.DataParallel ?? 1));
            }
            if (m2 == PartitionMode.Fused && scenario.Mapping is null) root.Add("tile", scenario.Tiling ?? FusedPartitioner.DefaultTiling.ToString());
        }
        var schedule = new YamlMappingNode { { "scheduler", scheduler.Name } };
        if ((spec.Objective ?? scheduler.DefaultObjective) is { } objective) schedule.Add("objective", objective.Name);
        schedule.Add("cost_model", spec.CostModel);
        schedule.Add("contention", spec.Contention ? "true" : "false");
        foreach (var option in scheduler.Options)
        {
            var key = option.Name.Replace('-', '_');
            if (spec.Options.TryGetValue(option.Name, out var given))
                schedule.Add(key, option.Repeatable ? new YamlSequenceNode(given.Values.Select(v => new YamlScalarNode(v))) : new YamlScalarNode(given.Values[^1]));
            else if (option.Default.Length > 0)
                schedule.Add(key, option.Default);
        }
        root.Add("schedule", schedule);
        using var writer = new StringWriter(CultureInfo.InvariantCulture);
        new YamlStream(new YamlDocument(root)).Save(writer, assignAnchors: false);
        // YamlDotNet ends a document with "...": not needed for a single document.
        return writer.ToString().Replace("\n...\n", "\n", StringComparison.Ordinal);
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
}

using System.Collections.Immutable;
using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Tessera.Diagnostics;
using Tessera.Reports;
using Tessera.Scenarios;
using Tessera.Sweeps;

namespace Tessera.Cli.Commands;

/// <summary>
/// `tessera sweep SPEC.yaml`: every point of a sweep (or of one shard of it) on all cores, each kept in the result
/// store as it finishes, in the sweep's order; a rerun with the same store runs only the points it lacks.
/// </summary>
internal static class SweepCommand
{
    /// <summary>Where a cluster scheduler puts an array task's index: Slurm (with the array's first index) and Kubernetes indexed Jobs (from 0).</summary>
    private const string SlurmIndex = "SLURM_ARRAY_TASK_ID", SlurmFirst = "SLURM_ARRAY_TASK_MIN", KubernetesIndex = "JOB_COMPLETION_INDEX";

    public static Command Create(CliContext context)
    {
        var specPath = new Argument<string>("spec") { Description = "Sweep YAML file: a base scenario and axes (docs/sweeps.md)" };
        var jobs = OptionChecks.Jobs("Points run at once in this process");
        var shard = new Option<string?>("--shard")
        {
            Description = $"Run only shard I of N (I from 1 to N), the points whose id falls there: I/N, or env/N for a cluster array task's index " +
                $"(${SlurmIndex} counted from ${SlurmFirst}, else ${KubernetesIndex} + 1)",
        };
        var list = new Option<bool>("--list") { Description = "List the points (index, id, shard, values) and stop" };
        var json = new Option<bool>("--json") { Description = "Write JSON: the sweep, and each point's values, feasibility and metrics" };
        var store = StoreOption.Create();
        store.Description = "Keep each point in this SQLite result store as it finishes; a rerun with the same store skips the points it holds";
        var progress = ProgressBar.Option();
        var command = new Command("sweep", "Run a design-space sweep: a base scenario × axes (hardware, models, schedule, overrides), on all cores, in shards, resumable")
            { specPath, jobs, shard, list, json, store, progress };
        command.SetAction(parse =>
        {
            var results = StoreOption.Open(parse.GetValue(store));
            var spec = SweepLoader.Load(parse.GetValue(specPath)!);
            var (index, count) = Shard(parse.GetValue(shard));
            var points = count == 1 ? spec.Points : spec.Shard(index, count);
            if (parse.GetValue(list))
            {
                ResultTablePrinter.Print(context.Console, [Points(spec, points, count)]);
                return 0;
            }
            bool asJson = parse.GetValue(json);
            var runner = new ScenarioRunner();
            Manifest ManifestOf(SweepPoint p) => Manifest.Create(["tessera", .. context.Args], [spec.Source!, .. p.Scenario.InputFiles()],
                runner.CostModel(p.Scenario.Schedule.CostModel).Identity, RunCommand.Seed(p.Scenario));
            var outcomes = ProgressBar.Run(context, ProgressBar.Mode(context, parse.GetValue(progress), asJson),
                $"sweep {spec.Name}{(count == 1 ? "" : $" shard {index}/{count}")}",
                bar => new SweepRunner(runner).Run(spec, points, results?.Store, ManifestOf, parse.GetValue(jobs), bar));
            if (asJson) JsonOutput.WriteResult(context.Out, Describe(spec, outcomes, index, count), JsonOutput.ManifestOf(context, [spec.Source!]));
            else ResultTablePrinter.Print(context.Console, [Table(spec, outcomes)]);
            return 0;
        });
        return command;
    }

    /// <summary>I/N or env/N (the index from the cluster scheduler's environment); 1/1 without --shard.</summary>
    private static (int Index, int Count) Shard(string? text)
    {
        if (text is null) return (1, 1);
        var parts = text.Split('/');
        if (parts.Length != 2 || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var count) || count < 1)
            throw new TesseraInputException($"--shard {text}; expected I/N with N ≥ 1 shards and I from 1 to N, or env/N");
        int index;
        if (parts[0].Trim().Equals("env", StringComparison.OrdinalIgnoreCase))
            index = EnvironmentIndex(text);
        else if (!int.TryParse(parts[0], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out index))
            throw new TesseraInputException($"--shard {text}; expected I/N with I a whole number from 1 to {count}, or env/N");
        if (index < 1 || index > count)
            throw new TesseraInputException($"--shard {text}: shard {index} is outside 1..{count}; expected an index from 1 to {count}");
        return (index, count);
    }

    /// <summary>The array task's shard: Slurm's task id counted from the array's first id (so --array=0-7 and 1-8 both give 1..8), else a Kubernetes index + 1.</summary>
    private static int EnvironmentIndex(string text)
    {
        static int? Read(string name) => int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : null;
        if (Read(SlurmIndex) is { } task) return task - (Read(SlurmFirst) ?? 1) + 1;
        if (Read(KubernetesIndex) is { } k) return k + 1;
        throw new TesseraInputException($"--shard {text}: neither ${SlurmIndex} nor ${KubernetesIndex} is set; expected to run as a Slurm array task or a " +
            "Kubernetes indexed Job, or --shard I/N");
    }

    /// <summary>One row per point: index, id, shard (of <paramref name="count"/>), each axis value.</summary>
    private static ResultTable Points(SweepSpec spec, ImmutableArray<SweepPoint> points, int count) =>
        new($"sweep {spec.Name}: {points.Length} of {spec.Points.Length} points (sweep {spec.Id})", "",
            [new("#", ValueKind.Text), new("point", ValueKind.Text), new("shard", ValueKind.Text), .. spec.Keys.Select(k => new ResultColumn(k, ValueKind.Text))],
            [.. points.Select(p => ImmutableArray.Create<ResultValue>([$"{p.Index + 1}", p.Id, $"{p.Shard(count)}", .. Values(spec, p)]))], []);

    /// <summary>The point's value on each axis of the sweep ("" for an axis a listed point leaves at the base).</summary>
    private static IEnumerable<ResultValue> Values(SweepSpec spec, SweepPoint p) =>
        spec.Keys.Select(k => (ResultValue)(p.Values.FirstOrDefault(v => v.Key == k).Value ?? ""));

    private static ResultTable Table(SweepSpec spec, ImmutableArray<SweepOutcome> outcomes)
    {
        static double Metric(SweepOutcome o, string name) => o.Metrics.FirstOrDefault(m => m.Name == name)?.Value ?? double.NaN;
        int resumed = outcomes.Count(o => o.Resumed);
        return new($"sweep {spec.Name} ({spec.Id})", $"{outcomes.Length} points, {outcomes.Length - resumed} run now, {resumed} already in the store",
            [
                new("#", ValueKind.Text), new("point", ValueKind.Text),
                .. spec.Keys.Select(k => new ResultColumn(k, ValueKind.Text)),
                new("latency", ValueKind.Seconds), new("energy", ValueKind.Joules), new("EDP", ValueKind.JouleSeconds), new("note", ValueKind.Text),
            ],
            [
                .. outcomes.Select(o => ImmutableArray.Create<ResultValue>(
                [
                    $"{o.Point.Index + 1}", o.Point.Id, .. Values(spec, o.Point),
                    Metric(o, "latency"), Metric(o, "energy"), Metric(o, "edp"),
                    o.Infeasible is { } reason ? $"infeasible: {reason}" : o.Resumed ? "stored before" : "",
                ])),
            ], []);
    }

    private static JsonObject Describe(SweepSpec spec, ImmutableArray<SweepOutcome> outcomes, int index, int count)
    {
        JsonObject Point(SweepOutcome o)
        {
            var values = new JsonObject();
            foreach (var (key, value) in o.Point.Values) values[key] = value;
            var metrics = new JsonObject();
            foreach (var m in o.Metrics) metrics[m.Name] = double.IsFinite(m.Value) ? JsonValue.Create(m.Value) : null;
            return new JsonObject
            {
                ["index"] = o.Point.Index + 1, ["point"] = o.Point.Id, ["values"] = values, ["feasible"] = o.Feasible,
                ["infeasible"] = o.Infeasible, ["resumed"] = o.Resumed, ["metrics"] = metrics,
            };
        }
        return new JsonObject
        {
            ["sweep"] = spec.Name, ["id"] = spec.Id, ["totalPoints"] = spec.Points.Length, ["shard"] = count == 1 ? null : $"{index}/{count}",
            ["points"] = new JsonArray([.. outcomes.Select(Point)]),
        };
    }
}

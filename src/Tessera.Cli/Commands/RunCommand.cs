using System.CommandLine;
using Spectre.Console;
using Tessera.Costs;
using Tessera.Diagnostics;
using Tessera.Economics;
using Tessera.Floorplanning;
using Tessera.Reports;
using Tessera.Reports.Html;
using Tessera.Scenarios;
using Tessera.Scheduling;
using Tessera.Scoring;
using Tessera.Search;
using Tessera.Simulation;
using Tessera.Technology;

namespace Tessera.Cli.Commands;

/// <summary>
/// `tessera run [scenario.yaml]`: evaluate a scenario (the built-in default without arguments). Flags override the
/// file; every scheduler's options are flags too, and one that does not apply to the chosen scheduler is refused.
/// </summary>
internal static class RunCommand
{
    public static Command Create(CliContext context)
    {
        var scenarioPath = new Argument<string?>("scenario") { Arity = ArgumentArity.ZeroOrOne, Description = "Scenario YAML file; the built-in default when omitted" };
        var hardware = new Option<string?>("--hardware") { Description = "Hardware preset or file, replacing the scenario's" };
        var workload = new Option<string?>("--workload") { Description = "Run this one model (an .onnx file or a zoo name) instead of the scenario's models" };
        var json = new Option<bool>("--json") { Description = "Write JSON (the evaluation with every operator's placement, and the search's report) instead of tables" };
        var printScenario = new Option<bool>("--print-scenario") { Description = "Print the effective scenario as YAML (every choice spelled out) and stop; running that file repeats this run" };
        var partition = new Option<string?>("--partition") { Description = "How to split the models into tasks: lbl, fused, pipelined, tp, system (default: the scheduler's first)" };
        var tile = new Option<string?>("--tile") { Description = "Fused tiling of every operator, Stream's form: \"OY, all\" or \"OY, 4; K, 2\" (default \"OY, all; D, 8\")" };
        var mapping = new Option<string?>("--mapping") { Description = "Stream mapping file (needs Stream --hardware): its tilings and core allocations decide the partition" };
        var miniBatches = new Option<int?>("--minibatch") { Description = "Mini-batches each model's batch is split into (pipelined and system; a batch-1 model along its tokens or rows)" }.AtLeast(1);
        var miniBatchSize = OptionChecks.MiniBatchSize("Every model's mini-batch");
        var ways = new Option<int?>("--tp") { Description = $"Cores each layer is split over (tp, default {Partitioners.DefaultTensorParallelWays}; system, default every core of a package)" }.AtLeast(1);
        var stages = new Option<int?>("--pp") { Description = "Packages each replica's pipeline spans (system; default the packages ÷ --dp)" }.AtLeast(1);
        var replicas = new Option<int?>("--dp") { Description = "Replicas of every model on separate packages, each with its share of the batch (system; default 1)" }.AtLeast(1);
        var scheduler = new Option<string?>("--scheduler", "--search", "--baseline")
        {
            Description = $"How operators are placed: {string.Join(", ", Schedulers.All.Select(s => s.Name))} (default {Schedulers.Default}); --search and --baseline are other spellings",
        };
        var objective = new Option<string?>("--objective") { Description = "What the scheduler minimises: latency, energy, edp or an expression such as \"energy*latency^2\" (default: the scheduler's own)" };
        var costModel = new Option<string?>("--cost-model") { Description = $"Operator cost model: {string.Join(", ", CostModels.Names)} (default {CostModels.Default})" };
        var noContention = new Option<bool>("--no-contention") { Description = "Give every core, link and DRAM device infinite parallelism (the dependency-only schedule)" };
        var trace = new Option<string?>("--trace") { Description = "Write the simulated schedule as Chrome/Perfetto trace JSON to this file" };
        var store = StoreOption.Create();
        var report = ReportOption.Create();
        var progress = ProgressBar.Option();
        var replay = new Option<string?>("--replay") { Description = "Re-run the command recorded in a result's manifest (a --json output) and say whether every number matches" };
        var options = Schedulers.AllOptions.ToDictionary(o => o.Name, o => (Option)(o.Repeatable
            ? new Option<string[]>($"--{o.Name}") { Description = Describe(o), AllowMultipleArgumentsPerToken = false }
            : new Option<string?>($"--{o.Name}") { Description = Describe(o) }), StringComparer.Ordinal);
        var command = new Command("run", "Evaluate a scenario: models on hardware → latency, energy, EDP")
            { scenarioPath, hardware, workload, json, printScenario, partition, tile, mapping, miniBatches, miniBatchSize, ways, stages, replicas, scheduler, objective, costModel, noContention, trace, store, report, progress, replay };
        foreach (var option in options.Values) command.Options.Add(option);
        command.SetAction(parse =>
        {
            if (parse.GetValue(replay) is { } recorded) return Replay.Run(context, recorded);
            var traceFile = OutputFile.File(parse.GetValue(trace), "--trace");
            var results = StoreOption.Open(parse.GetValue(store));
            var reportFile = ReportOption.Open(parse.GetValue(report));
            var path = parse.GetValue(scenarioPath);
            var scenario = path is null ? Scenario.Default : ScenarioLoader.Load(path);
            if (parse.GetValue(hardware) is { } h) scenario = scenario with { Hardware = h };
            if (parse.GetValue(workload) is { } w)
                scenario = scenario with { Name = path is null ? Path.GetFileNameWithoutExtension(w) : scenario.Name, Models = [new ModelRequest(w)] };
            if (parse.GetValue(tile) is { } t) scenario = (scenario with { Tiling = t }).From("tile", "--tile");
            if (parse.GetValue(mapping) is { } mp)
                scenario = (scenario with { Mapping = string.IsNullOrWhiteSpace(mp) ? throw new TesseraInputException("--mapping is empty; expected a Stream mapping file") : Path.GetFullPath(mp) })
                    .From("mapping", "--mapping");
            if (parse.GetValue(partition) is { } p) scenario = (scenario with { Partition = Partitioners.ParseMode(p) }).From("partition", "--partition");
            if (parse.GetValue(miniBatches) is { } mb) scenario = (scenario with { MiniBatches = mb }).From("minibatch", "--minibatch");
            if (parse.GetValue(miniBatchSize) is { } size)
                scenario = (scenario with { Models = [.. scenario.Models.Select(m => m with { MiniBatchSize = Math.Min(size, m.Batch) })] })
                    .From("minibatch_size", "--minibatch-size");
            if (parse.GetValue(ways) is { } tp) scenario = (scenario with { TensorParallelWays = tp }).From("tp", "--tp");
            if (parse.GetValue(stages) is { } pp) scenario = (scenario with { PipelineStages = pp }).From("pp", "--pp");
            if (parse.GetValue(replicas) is { } dp) scenario = (scenario with { DataParallel = dp }).From("dp", "--dp");
            var spec = scenario.Schedule;
            if (parse.GetValue(scheduler) is { } s)
            {
                spec = spec with { Scheduler = Schedulers.Find(s, "--scheduler").Name };
                scenario = scenario.From("scheduler", "--scheduler");
            }
            if (parse.GetValue(objective) is { } o)
            {
                spec = spec with { Objective = Objective.Parse(o) };
                scenario = scenario.From("objective", "--objective");
            }
            if (parse.GetValue(costModel) is { } c) spec = spec with { CostModel = CostModels.Create(c).Name };
            if (parse.GetValue(noContention)) spec = spec with { Contention = false };
            var given = spec.Options.ToBuilder();
            foreach (var (name, option) in options)
                if (parse.GetResult(option) is { Implicit: false } result)
                    given[name] = new SettingValue(option is Option<string[]> many ? [.. result.GetValueOrDefault<string[]>() ?? []]
                        : [result.GetValueOrDefault<string>()!], $"--{name}");
            scenario = scenario with { Schedule = spec with { Options = given.ToImmutable() } };

            if (parse.GetValue(printScenario))
            {
                new ScenarioRunner().Prepare(scenario);
                context.Out.Write(ScenarioWriter.Write(scenario));
                return 0;
            }
            if (traceFile is not null && scenario.Schedule.Scheduler == "scar")
                throw new TesseraInputException("--trace writes one simulated schedule; scheduler scar simulates one per window (use --json for its plan)");
            bool asJson = parse.GetValue(json);
            var technology = TechnologyLibrary.LoadDefault();
            var runner = new ScenarioRunner(technology);
            var outcome = ProgressBar.Run(context, ProgressBar.Mode(context, parse.GetValue(progress), asJson), $"{scenario.Schedule.Scheduler} on {scenario.Name}",
                bar => runner.Run(scenario, bar));
            if (traceFile is not null && outcome.Simulations.Length == 1)
                traceFile.WriteStream(stream => TraceWriter.Write(stream, outcome.Simulations[0]));
            var manifest = JsonOutput.ManifestOf(context, scenario.InputFiles(), runner.CostModel(scenario.Schedule.CostModel).Identity, Seed(scenario));
            var tables = ScheduleTables.Tables(outcome);
            // The store, the report and the console are independent once the run is done: written side by side.
            var stored = Task.Run(() => StoreOption.Append(context, results, manifest, "run", scenario.Name, outcome.Feasible,
                outcome.Evaluation is { } evaluation ? EvaluationTables.Metrics(evaluation) : [], tables));
            // The package the run scheduled on (hardware overrides applied), on a 2.5D interposer as `tessera floorplan` draws it.
            var reportWritten = Task.Run(() => ReportOption.Write(reportFile, () => RunReport.Build(outcome, outcome.Package!,
                () => Floorplanner.Plan(technology, outcome.Package!, Packaging.Interposer25D), manifest)));
            if (asJson) JsonOutput.WriteResult(context.Out, Describe(scenario, outcome), manifest);
            else Print(context.Console, scenario, outcome);
            stored.GetAwaiter().GetResult();
            reportWritten.GetAwaiter().GetResult();
            return outcome.Feasible ? 0 : TesseraCli.Infeasible;
        });
        return command;
    }

    /// <summary>The seed the run used: the one given, else the scheduler's default; null for schedulers without one.</summary>
    internal static int? Seed(Scenario scenario)
    {
        var option = Schedulers.Find(scenario.Schedule.Scheduler).Options.FirstOrDefault(o => o.Name == "seed");
        if (option is null) return null;
        var text = scenario.Schedule.Options.TryGetValue("seed", out var given) ? given.Values[^1] : option.Default;
        return int.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out var seed) ? seed : null;
    }

    private static string Describe(SchedulerOption o) =>
        $"{char.ToUpperInvariant(o.Description[0])}{o.Description[1..]} (scheduler {string.Join(", ", Schedulers.All.Where(s => s.Options.Any(x => x.Name == o.Name)).Select(s => s.Name))}" +
        (o.Default.Length > 0 ? $"; default {o.Default})" : ")") + (o.Repeatable ? "; repeatable" : "");

    /// <summary>
    /// The --json document: the evaluation's fields, then the scheduler and its report; an infeasible run has the
    /// scheduler and the reason instead.
    /// </summary>
    private static System.Text.Json.Nodes.JsonObject Describe(Scenario scenario, ScheduleResult r)
    {
        var root = r.Evaluation is { } e ? JsonOutput.ToObject(e) : new System.Text.Json.Nodes.JsonObject { ["scenario"] = scenario.Name, ["hardware"] = scenario.Hardware };
        root["scheduler"] = r.Scheduler;
        root["feasible"] = r.Feasible;
        if (r.Infeasible is { } reason) root["infeasible"] = reason;
        if (r.Search is { } search) root["search"] = JsonOutput.ToNode(search);
        return root;
    }

    /// <summary>The search's tables, then the evaluation's under a line naming the run.</summary>
    private static void Print(IAnsiConsole console, Scenario scenario, ScheduleResult r)
    {
        if (r.Infeasible is { } reason)
        {
            console.MarkupLine($"[bold]{Markup.Escape(scenario.Name)}[/] on [bold]{Markup.Escape(scenario.Hardware)}[/]: " +
                $"[red]infeasible[/] under scheduler {Markup.Escape(r.Scheduler)}: {Markup.Escape(reason)}");
            return;
        }
        ResultTablePrinter.Print(console, ScheduleTables.Search(r.Search));
        var result = r.Evaluation!;
        console.MarkupLine($"[bold]{Markup.Escape(result.Scenario)}[/] on [bold]{Markup.Escape(result.Hardware)}[/] " +
            $"(scheduler {Markup.Escape(r.Scheduler)}, {Markup.Escape(result.Partition)}, {Markup.Escape(result.CostModel)}, {result.Tasks} tasks, contention {(result.Contention ? "on" : "off")})");
        ResultTablePrinter.Print(console, EvaluationTables.Tables(result));
        console.MarkupLine($"waiting: {NumberFormat.Si(result.WaitingSeconds, "s")} over all tasks, {NumberFormat.Si(result.CriticalPathWaitingSeconds, "s")} on the critical path; " +
            $"DRAM {NumberFormat.Bytes(result.DramBytes)}, chiplet-to-chiplet {NumberFormat.Bytes(result.TransferBytes)}, spilled {NumberFormat.Bytes(result.SpilledBytes)}");
    }
}

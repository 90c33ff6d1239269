using System.CommandLine;
using Spectre.Console;
using Tessera.Costs;
using Tessera.Costs.Mapping;
using Tessera.Diagnostics;
using Tessera.Evaluation;
using Tessera.Exploration;
using Tessera.Scenarios;
using Tessera.Scheduling;
using Tessera.Search;
using Tessera.Simulation;

namespace Tessera.Cli.Commands;

/// <summary>`tessera run [scenario.yaml]`: evaluate a scenario (the built-in default without arguments).</summary>
internal static class RunCommand
{
    public static Command Create(CliContext context)
    {
        var scenarioPath = new Argument<string?>("scenario") { Arity = ArgumentArity.ZeroOrOne, Description = "Scenario YAML file; the built-in default when omitted" };
        var hardware = new Option<string?>("--hardware") { Description = "Hardware preset or file, replacing the scenario's" };
        var json = new Option<bool>("--json") { Description = "Write JSON (with every operator's placement) instead of tables" };
        var costModel = new Option<string>("--cost-model")
        {
            Description = "Operator cost model: loopnest (searched intra-core mapping) or roofline (perfect-reuse bound)",
            DefaultValueFactory = _ => LoopNest,
        };
        costModel.AcceptOnlyFromAmong(LoopNest, Roofline);
        var partition = new Option<string?>("--partition") { Description = "How to split the models into tasks: lbl (default), fused, pipelined, tp" };
        var tile = new Option<string?>("--tile") { Description = "Fused tiling of every operator, Stream's form: \"OY, all\" or \"OY, 4; K, 2\" (default \"OY, all; D, 8\")" };
        var workload = new Option<string?>("--workload") { Description = "Run this one model (an .onnx file or a zoo name) instead of the scenario's models" };
        var mapping = new Option<string?>("--mapping") { Description = "Stream mapping file (needs Stream --hardware): its tilings and core allocations decide the partition" };
        var trace = new Option<string?>("--trace") { Description = "Write the simulated schedule as Chrome/Perfetto trace JSON to this file" };
        var noContention = new Option<bool>("--no-contention") { Description = "Give every core, link and DRAM device infinite parallelism (the dependency-only schedule)" };
        var miniBatches = new Option<int?>("--minibatch") { Description = "Mini-batches each model's batch is split into (pipelined)" };
        var ways = new Option<int?>("--tp") { Description = "Cores each layer is split over (tp)" };
        var search = new Option<string?>("--search") { Description = "Search the layer → core allocation: ga (NSGA-II over latency and energy, seeded with the greedy rule) or exact (CP-SAT, layer by layer)" };
        search.AcceptOnlyFromAmong(Ga, Exact);
        var timeLimit = new Option<double>("--time-limit") { Description = "Exact search: CP-SAT wall-time limit in seconds (then the best allocation found and its proven gap)", DefaultValueFactory = _ => new ExactOptions().TimeLimitSeconds };
        var population = new Option<int>("--population") { Description = "GA population size", DefaultValueFactory = _ => new GeneticOptions().Population };
        var generations = new Option<int>("--generations") { Description = "GA generations", DefaultValueFactory = _ => new GeneticOptions().Generations };
        var seed = new Option<int>("--seed") { Description = "GA random seed: the same seed gives the same front", DefaultValueFactory = _ => new GeneticOptions().Seed };
        var objective = new Option<MappingObjective>("--objective") { Description = "Point of the GA's Pareto front to run: latency, energy or edp", DefaultValueFactory = _ => MappingObjective.Edp };
        var stack = new Option<int>("--stack") { Description = "GA: consecutive layers per gene (one core for the stack)", DefaultValueFactory = _ => 1 };
        var command = new Command("run", "Evaluate a scenario: models on hardware → latency, energy, EDP")
            { scenarioPath, hardware, json, partition, tile, workload, mapping, trace, noContention, miniBatches, ways, costModel,
              search, population, generations, seed, objective, stack, timeLimit };
        command.SetAction(parse =>
        {
            var path = parse.GetValue(scenarioPath);
            var scenario = path is null ? Scenario.Default : ScenarioLoader.Load(path);
            if (parse.GetValue(hardware) is { } h) scenario = scenario with { Hardware = h };
            if (parse.GetValue(workload) is { } w)
                scenario = scenario with { Name = path is null ? Path.GetFileNameWithoutExtension(w) : scenario.Name, Models = [new ModelRequest(w)] };
            if (parse.GetValue(tile) is { } t) scenario = scenario with { Tiling = t };
            if (parse.GetValue(mapping) is { } mp) scenario = scenario with { Mapping = mp };
            if (parse.GetValue(partition) is { } p) scenario = scenario with { Partition = Partitioners.ParseMode(p) };
            if (parse.GetValue(miniBatches) is { } mb) scenario = scenario with { MiniBatches = mb };
            if (parse.GetValue(ways) is { } tp) scenario = scenario with { TensorParallelWays = tp };
            var model = parse.GetValue(costModel) == Roofline ? (IOperatorCostModel)new RooflineCostModel() : new LoopNestCostModel();
            bool contention = !parse.GetValue(noContention);
            // Mapping search takes seconds on large scenarios: show that work is under way on a terminal.
            bool terminal = !parse.GetValue(json) && !Console.IsOutputRedirected && context.Out == Console.Out;
            GeneticResult? front = null;
            ExactResult? exact = null;
            SimulationResult simulation;
            if (parse.GetValue(search) == Exact)
            {
                // Without --objective the exact search minimises the makespan (edp is only a weighted-sum proxy there).
                var goal = parse.GetResult(objective) is { Implicit: false } ? parse.GetValue(objective) : MappingObjective.Latency;
                var options = new ExactOptions(goal, parse.GetValue(timeLimit), Seed: parse.GetValue(seed));
                (simulation, exact) = terminal
                    ? AnsiConsole.Status().Start($"CP-SAT on {scenario.Name}…", _ => ScenarioRunner.SolveExact(scenario, model, contention, options))
                    : ScenarioRunner.SolveExact(scenario, model, contention, options);
            }
            else if (parse.GetValue(search) is not null)
            {
                var ga = new GeneticOptions(parse.GetValue(population), parse.GetValue(generations), parse.GetValue(seed), parse.GetValue(objective));
                (simulation, front) = terminal
                    ? AnsiConsole.Progress().Start(p =>
                    {
                        var task = p.AddTask($"NSGA-II on {Markup.Escape(scenario.Name)}", maxValue: 1.0);
                        return ScenarioRunner.Search(scenario, model, contention, ga, new ProgressTask(task), parse.GetValue(stack));
                    })
                    : ScenarioRunner.Search(scenario, model, contention, ga, layersPerGene: parse.GetValue(stack));
            }
            else
            {
                simulation = terminal
                    ? AnsiConsole.Status().Start($"Evaluating {scenario.Name}…", _ => ScenarioRunner.Simulate(scenario, model, contention))
                    : ScenarioRunner.Simulate(scenario, model, contention);
            }
            if (parse.GetValue(trace) is { } file)
            {
                try { TraceWriter.Write(file, simulation); }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    throw new TesseraInputException($"{file}: cannot write the trace ({e.Message})");
                }
            }
            if (parse.GetValue(json))
            {
                if (exact is not null) JsonOutput.Write(context.Out, new ExactJson(simulation.Evaluation, ExactSummary.From(exact)));
                else if (front is null) JsonOutput.Write(context.Out, simulation.Evaluation);
                else JsonOutput.Write(context.Out, new SearchJson(simulation.Evaluation, SearchSummary.From(front)));
            }
            else
            {
                if (front is not null) PrintFront(context.Console, front);
                if (exact is not null) PrintExact(context.Console, exact);
                Print(context.Console, simulation.Evaluation);
            }
            return 0;
        });
        return command;
    }

    private const string LoopNest = "loopnest";
    private const string Roofline = "roofline";

    private const string Ga = "ga";
    private const string Exact = "exact";

    /// <summary>Spectre's progress task as the search's progress sink (set synchronously: no context hop).</summary>
    private sealed class ProgressTask(Spectre.Console.ProgressTask task) : IProgress<double>
    {
        public void Report(double value) => task.Value = value;
    }

    /// <summary>The --json shape of a searched run: the chosen schedule's evaluation and the front.</summary>
    private sealed record SearchJson(EvaluationResult Evaluation, SearchSummary Search);

    private sealed record FrontPoint(double LatencySeconds, double EnergyJ, double Edp, bool Chosen, IReadOnlyDictionary<string, string> Allocation);

    private sealed record SearchSummary(string Algorithm, string Objective, int Evaluations, int Genes, double SpaceSize,
        FrontPoint Greedy, IReadOnlyList<FrontPoint> Front)
    {
        public static SearchSummary From(GeneticResult r) => new("nsga2", r.Objective.ToString().ToLowerInvariant(), r.Evaluations, r.Genes,
            r.SpaceSize, Point(r.Greedy, r.Chosen), [.. r.Front.Select(p => Point(p, r.Chosen))]);

        private static FrontPoint Point(ParetoPoint p, ParetoPoint chosen) => new(p.LatencySeconds, p.EnergyJ, p.Edp, p == chosen,
            p.Allocation.OrderBy(a => a.Key.Model, StringComparer.Ordinal).ThenBy(a => a.Key.Operator, StringComparer.Ordinal)
                .ToDictionary(a => $"{a.Key.Model}/{a.Key.Operator}", a => $"{a.Value.Chiplet}.{a.Value.Core}"));
    }

    /// <summary>The --json shape of an exact run: the simulated evaluation and the solver's outcome.</summary>
    private sealed record ExactJson(EvaluationResult Evaluation, ExactSummary Search);

    private sealed record ExactSummary(string Algorithm, string Status, string Objective, double ObjectiveValue, double Bound, double Gap,
        double ModelMakespanSeconds, double ModelEnergyJ, int Layers, int Cores, double WallSeconds, IReadOnlyDictionary<string, string> Allocation)
    {
        public static ExactSummary From(ExactResult r) => new("cp-sat", r.Status.ToString().ToLowerInvariant(), r.Objective.ToString().ToLowerInvariant(),
            r.ObjectiveValue, r.Bound, r.Gap, r.ModelMakespanSeconds, r.ModelEnergyJ, r.Layers, r.Cores, r.WallSeconds,
            r.Allocation.OrderBy(a => a.Key.Model, StringComparer.Ordinal).ThenBy(a => a.Key.Operator, StringComparer.Ordinal)
                .ToDictionary(a => $"{a.Key.Model}/{a.Key.Operator}", a => $"{a.Value.Chiplet}.{a.Value.Core}"));
    }

    private static void PrintExact(IAnsiConsole console, ExactResult r)
    {
        console.MarkupLine($"[bold]CP-SAT[/] ({r.Layers} layers, {r.Cores} cores, objective {r.Objective.ToString().ToLowerInvariant()}): " +
            $"[bold]{r.Status.ToString().ToLowerInvariant()}[/], gap {r.Gap:P2}, model makespan {Units.Si(r.ModelMakespanSeconds, "s")}, " +
            $"model energy {Units.Si(r.ModelEnergyJ, "J")}; simulated below");
        var table = new Table().AddColumns("layer", "core");
        foreach (var a in r.Allocation.OrderBy(a => a.Key.Model, StringComparer.Ordinal))
            table.AddRow(Markup.Escape($"{a.Key.Model}/{a.Key.Operator}"), Markup.Escape($"{a.Value.Chiplet}.{a.Value.Core}"));
        console.Write(table);
    }

    private static void PrintFront(IAnsiConsole console, GeneticResult r)
    {
        console.MarkupLine($"[bold]Pareto front[/] (NSGA-II, {r.Evaluations} allocations simulated of {ScenarioRunner.Space(r.SpaceSize)}; chosen by {r.Objective.ToString().ToLowerInvariant()})");
        var table = new Table().AddColumns("", "latency", "energy", "EDP", "vs greedy (latency, energy)");
        foreach (var p in r.Front)
            table.AddRow(p == r.Chosen ? "[bold]→[/]" : "", Units.Si(p.LatencySeconds, "s"), Units.Si(p.EnergyJ, "J"), Units.Si(p.Edp, "J·s"),
                $"{p.LatencySeconds / r.Greedy.LatencySeconds - 1:+0.0%;-0.0%;0%}, {p.EnergyJ / r.Greedy.EnergyJ - 1:+0.0%;-0.0%;0%}");
        table.AddRow("greedy", Units.Si(r.Greedy.LatencySeconds, "s"), Units.Si(r.Greedy.EnergyJ, "J"), Units.Si(r.Greedy.Edp, "J·s"), "");
        console.Write(table);
    }

    private static void Print(IAnsiConsole console, EvaluationResult result)
    {
        console.MarkupLine($"[bold]{Markup.Escape(result.Scenario)}[/] on [bold]{Markup.Escape(result.Hardware)}[/] " +
            $"({Markup.Escape(result.Partition)}, {Markup.Escape(result.CostModel)}, {result.Tasks} tasks, contention {(result.Contention ? "on" : "off")})");
        var models = new Table().AddColumns("model", "batch", "MACs", "latency", "throughput", "energy", "EDP");
        foreach (var m in result.Models)
            models.AddRow(Markup.Escape(m.Model), m.MiniBatches > 1 ? $"{m.Batch} ({m.MiniBatches} mini-batches)" : m.Batch.ToString(),
                Units.Count(m.Macs), Units.Si(m.LatencySeconds, "s"), $"{Units.Count(m.ThroughputPerSecond)}/s",
                Units.Si(m.Energy.TotalJ, "J"), Units.Si(m.Edp, "J·s"));
        models.AddRow("[bold]scenario[/]", "", Units.Count(result.Models.Sum(m => m.Macs)), $"[bold]{Units.Si(result.LatencySeconds, "s")}[/]", "",
            $"[bold]{Units.Si(result.Energy.TotalJ, "J")}[/]", $"[bold]{Units.Si(result.Edp, "J·s")}[/]");
        console.Write(models);

        var e = result.Energy;
        var energy = new Table().AddColumns("energy", "J", "share");
        foreach (var (name, joules) in new[] { ("compute", e.ComputeJ), ("on-chip memory", e.OnChipMemoryJ), ("off-chip memory", e.OffChipMemoryJ), ("die-to-die / NoP", e.InterconnectJ), ("static", e.StaticJ) })
            energy.AddRow(name, Units.Si(joules, "J"), e.TotalJ > 0 ? $"{joules / e.TotalJ:P1}" : "-");
        console.Write(energy);

        var resources = new Table().AddColumns("resource", "tasks", "busy", "utilisation", "waited for");
        foreach (var r in result.Resources)
            resources.AddRow(Markup.Escape(r.Name), r.Tasks.ToString(), Units.Si(r.BusySeconds, "s"), $"{r.Utilisation:P0}", Units.Si(r.WaitingSeconds, "s"));
        console.Write(resources);
        foreach (var note in result.Notes)
            console.MarkupLine($"note: {Markup.Escape(note)}");
        console.MarkupLine($"waiting: {Units.Si(result.WaitingSeconds, "s")} over all tasks, {Units.Si(result.CriticalPathWaitingSeconds, "s")} on the critical path; " +
            $"DRAM {Units.Bytes(result.DramBytes)}, chiplet-to-chiplet {Units.Bytes(result.TransferBytes)}, spilled {Units.Bytes(result.SpilledBytes)}");
    }
}

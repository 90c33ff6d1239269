using Tessera.Scoring;
using System.CommandLine;
using Spectre.Console;
using Tessera.Costs;
using Tessera.Costs.Mapping;
using Tessera.Diagnostics;
using Tessera.Evaluation;
using Tessera.Scenarios;
using Tessera.Scheduling;
using Tessera.Search;
using Tessera.Search.Scar;
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
            Description = $"Operator cost model: {string.Join(", ", CostModels.Names)} (loopnest: searched intra-core mapping; roofline: perfect-reuse bound)",
            DefaultValueFactory = _ => CostModels.Default,
        };
        costModel.AcceptOnlyFromAmong([.. CostModels.Names]);
        var partition = new Option<string?>("--partition") { Description = "How to split the models into tasks: lbl (default), fused, pipelined, tp" };
        var tile = new Option<string?>("--tile") { Description = "Fused tiling of every operator, Stream's form: \"OY, all\" or \"OY, 4; K, 2\" (default \"OY, all; D, 8\")" };
        var workload = new Option<string?>("--workload") { Description = "Run this one model (an .onnx file or a zoo name) instead of the scenario's models" };
        var mapping = new Option<string?>("--mapping") { Description = "Stream mapping file (needs Stream --hardware): its tilings and core allocations decide the partition" };
        var trace = new Option<string?>("--trace") { Description = "Write the simulated schedule as Chrome/Perfetto trace JSON to this file" };
        var noContention = new Option<bool>("--no-contention") { Description = "Give every core, link and DRAM device infinite parallelism (the dependency-only schedule)" };
        var miniBatches = new Option<int?>("--minibatch") { Description = "Mini-batches each model's batch is split into (pipelined)" };
        var ways = new Option<int?>("--tp") { Description = "Cores each layer is split over (tp)" };
        var search = new Option<string?>("--search") { Description = "Search the schedule: ga (NSGA-II layer → core, seeded with the greedy rule), exact (CP-SAT, layer by layer) or scar (multi-model windows, segments and placement after SCAR)" };
        search.AcceptOnlyFromAmong(Ga, Exact, ScarSearch);
        var baseline = new Option<string?>("--baseline") { Description = "Run one of SCAR's baselines: standalone (a chiplet per model), simba (each model pipelined over same-dataflow chiplets), single-core (every layer on one chiplet)" };
        baseline.AcceptOnlyFromAmong("standalone", "simba", "single-core");
        var splits = new Option<int>("--n-splits") { Description = "SCAR: cuts of the horizon into time windows (windows = n-splits + 1)", DefaultValueFactory = _ => new ScarOptions().Splits };
        var topK = new Option<int>("--top-k") { Description = "SCAR: segmentations kept per model and window", DefaultValueFactory = _ => new ScarOptions().TopK };
        var provisioning = new Option<string>("--provisioning") { Description = "SCAR: chiplets per model per window, proportional or exhaustive", DefaultValueFactory = _ => "proportional" };
        provisioning.AcceptOnlyFromAmong("proportional", "exhaustive");
        var nodeCap = new Option<int?>("--node-cap") { Description = "SCAR: most chiplets one model may span in a window (default: its provisioned chiplets)" };
        var latencyLimit = new Option<string[]>("--latency-limit") { Description = "SCAR: a model's latency limit as MODEL=SECONDS (repeatable)", DefaultValueFactory = _ => [] };
        var timeLimit = new Option<double>("--time-limit") { Description = "Exact search: CP-SAT wall-time limit in seconds (then the best allocation found and its proven gap)", DefaultValueFactory = _ => new ExactOptions().TimeLimitSeconds };
        var population = new Option<int>("--population") { Description = "GA population size", DefaultValueFactory = _ => new GeneticOptions().Population };
        var generations = new Option<int>("--generations") { Description = "GA generations", DefaultValueFactory = _ => new GeneticOptions().Generations };
        var seed = new Option<int>("--seed") { Description = "Random seed of the GA or SCAR: the same seed gives the same result", DefaultValueFactory = _ => new GeneticOptions().Seed };
        var objective = new Option<string>("--objective") { Description = "What to minimise: latency, energy or edp (GA: the point of the front; SCAR also takes an expression such as \"energy*latency^2\")", DefaultValueFactory = _ => "edp" };
        var stack = new Option<int>("--stack") { Description = "GA: consecutive layers per gene (one core for the stack)", DefaultValueFactory = _ => 1 };
        var command = new Command("run", "Evaluate a scenario: models on hardware → latency, energy, EDP")
            { scenarioPath, hardware, json, partition, tile, workload, mapping, trace, noContention, miniBatches, ways, costModel,
              search, population, generations, seed, objective, stack, timeLimit, baseline, splits, topK, provisioning, latencyLimit, nodeCap };
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
            var model = CostModels.Create(parse.GetValue(costModel)!);
            bool contention = !parse.GetValue(noContention);
            // Mapping search takes seconds on large scenarios: show that work is under way on a terminal.
            bool terminal = !parse.GetValue(json) && !Console.IsOutputRedirected && context.Out == Console.Out;
            GeneticResult? front = null;
            ExactResult? exact = null;
            SimulationResult simulation;
            if (parse.GetValue(search) == ScarSearch)
            {
                if (parse.GetValue(baseline) is not null) throw new TesseraInputException("--search scar and --baseline are two runs; expected one of them");
                if (parse.GetValue(trace) is not null) throw new TesseraInputException("--trace writes one simulated schedule; --search scar simulates one per window (use --json for its plan)");
                var options = new ScarOptions(parse.GetValue(splits), parse.GetValue(topK),
                    parse.GetValue(provisioning) == "exhaustive" ? Provisioning.Exhaustive : Provisioning.Proportional,
                    Objective.Parse(parse.GetValue(objective)!), LatencyLimits(parse.GetValue(latencyLimit) ?? []), NodeCap: parse.GetValue(nodeCap), Seed: parse.GetValue(seed));
                var result = terminal
                    ? AnsiConsole.Progress().Start(p =>
                    {
                        var task = p.AddTask($"SCAR on {Markup.Escape(scenario.Name)}", maxValue: 1.0);
                        return ScenarioRunner.Scar(scenario, model, contention, options, new ProgressBar(task));
                    })
                    : ScenarioRunner.Scar(scenario, model, contention, options);
                if (parse.GetValue(json)) JsonOutput.Write(context.Out, ScarJson.From(result));
                else PrintScar(context.Console, result);
                return 0;
            }
            if (parse.GetValue(baseline) is { } baselineName)
            {
                if (parse.GetValue(search) is not null) throw new TesseraInputException($"--search {parse.GetValue(search)} and --baseline are two runs; expected one of them");
                var kind = Baselines.Parse(baselineName);
                simulation = terminal
                    ? AnsiConsole.Status().Start($"Baseline {baselineName} on {scenario.Name}…", _ => ScenarioRunner.Baseline(scenario, model, contention, kind))
                    : ScenarioRunner.Baseline(scenario, model, contention, kind);
            }
            else if (parse.GetValue(search) == Exact)
            {
                // Without --objective the exact search minimises the makespan (edp is only a weighted-sum proxy there).
                var goal = parse.GetResult(objective) is { Implicit: false } ? ParseObjective(parse.GetValue(objective)!) : Objective.Latency;
                var options = new ExactOptions(goal, parse.GetValue(timeLimit), Seed: parse.GetValue(seed));
                (simulation, exact) = terminal
                    ? AnsiConsole.Status().Start($"CP-SAT on {scenario.Name}…", _ => ScenarioRunner.SolveExact(scenario, model, contention, options))
                    : ScenarioRunner.SolveExact(scenario, model, contention, options);
            }
            else if (parse.GetValue(search) is not null)
            {
                var ga = new GeneticOptions(parse.GetValue(population), parse.GetValue(generations), parse.GetValue(seed), ParseObjective(parse.GetValue(objective)!));
                (simulation, front) = terminal
                    ? AnsiConsole.Progress().Start(p =>
                    {
                        var task = p.AddTask($"NSGA-II on {Markup.Escape(scenario.Name)}", maxValue: 1.0);
                        return ScenarioRunner.Search(scenario, model, contention, ga, new ProgressBar(task), parse.GetValue(stack));
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

    private const string Ga = "ga";
    private const string Exact = "exact";
    private const string ScarSearch = "scar";

    /// <summary>latency, energy or edp for the GA and CP-SAT (expressions are SCAR's alone).</summary>
    private static Objective ParseObjective(string text) => text.Trim().ToLowerInvariant() switch
    {
        "latency" => Objective.Latency,
        "energy" => Objective.Energy,
        "edp" => Objective.Edp,
        _ => throw new TesseraInputException($"objective '{text}'; expected latency, energy or edp (expressions need --search scar)"),
    };

    /// <summary>MODEL=SECONDS pairs → limits by model label.</summary>
    private static System.Collections.Immutable.ImmutableDictionary<string, double>? LatencyLimits(string[] pairs)
    {
        if (pairs.Length == 0) return null;
        var limits = System.Collections.Immutable.ImmutableDictionary.CreateBuilder<string, double>(StringComparer.Ordinal);
        foreach (var pair in pairs)
        {
            int eq = pair.LastIndexOf('=');
            if (eq <= 0 || !double.TryParse(pair.AsSpan(eq + 1), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var seconds))
                throw new TesseraInputException($"--latency-limit '{pair}'; expected MODEL=SECONDS, e.g. bert-large=0.05");
            limits[pair[..eq].Trim()] = seconds;
        }
        return limits.ToImmutable();
    }

    /// <summary>The --json shape of a SCAR run: totals, per-model latencies and every window's plan (without the per-operator placements).</summary>
    private sealed record ScarJson(string Scenario, string Hardware, string Objective, double ObjectiveValue, double LatencySeconds, double EnergyJ,
        double Edp, int Simulations, double WallSeconds, IReadOnlyList<ScarModelLatency> Models, IReadOnlyList<ScarWindowJson> Windows)
    {
        public static ScarJson From(ScarResult r) => new(r.Scenario, r.Hardware, r.Objective, r.ObjectiveValue, r.LatencySeconds, r.EnergyJ, r.Edp,
            r.Simulations, r.WallSeconds, r.Models, [.. r.Windows.Select(w => new ScarWindowJson(w.Index + 1, w.LatencySeconds, w.EnergyJ, w.Candidates, w.Models))]);
    }

    private sealed record ScarWindowJson(int Window, double LatencySeconds, double EnergyJ, int Candidates, IReadOnlyList<ScarModelPlan> Models);

    private static void PrintScar(IAnsiConsole console, ScarResult r)
    {
        console.MarkupLine($"[bold]{Markup.Escape(r.Scenario)}[/] on [bold]{Markup.Escape(r.Hardware)}[/] (SCAR, objective {Markup.Escape(r.Objective)}, " +
            $"{r.Windows.Length} windows, {r.Simulations} candidates simulated, {r.WallSeconds:0.0} s)");
        var table = new Table().AddColumns("window", "model", "layers", "chiplets", "segments → chiplet (dataflow)", "ends", "window latency", "window energy");
        foreach (var w in r.Windows)
            foreach (var (m, i) in w.Models.Select((m, i) => (m, i)))
                table.AddRow(i == 0 ? (w.Index + 1).ToString() : "", Markup.Escape(m.Model), $"{m.Layers.First}–{m.Layers.End - 1}", m.Chiplets.ToString(),
                    Markup.Escape(string.Join("; ", m.Segments.Select(s => $"{s.FirstOperator}–{s.FirstOperator + s.OperatorCount - 1} → {s.Chiplet} ({Short(s.Dataflow)})"))),
                    Units.Si(m.EndSeconds, "s"), i == 0 ? Units.Si(w.LatencySeconds, "s") : "", i == 0 ? Units.Si(w.EnergyJ, "J") : "");
        console.Write(table);
        var models = new Table().AddColumns("model", "latency", "limit");
        foreach (var m in r.Models)
            models.AddRow(Markup.Escape(m.Model), Units.Si(m.LatencySeconds, "s"), m.LimitSeconds is { } l ? Units.Si(l, "s") : "-");
        console.Write(models);
        console.MarkupLine($"scenario: latency [bold]{Units.Si(r.LatencySeconds, "s")}[/], energy [bold]{Units.Si(r.EnergyJ, "J")}[/], EDP [bold]{Units.Si(r.Edp, "J·s")}[/]" +
            $" ({Markup.Escape(r.Objective)} = {r.ObjectiveValue:G4})");
    }

    private static string Short(string dataflow) => dataflow switch
    {
        "weight-stationary" => "WS",
        "output-stationary" => "OS",
        _ => dataflow,
    };

    /// <summary>The --json shape of a searched run: the chosen schedule's evaluation and the front.</summary>
    private sealed record SearchJson(EvaluationResult Evaluation, SearchSummary Search);

    private sealed record FrontPoint(double LatencySeconds, double EnergyJ, double Edp, bool Chosen, IReadOnlyDictionary<string, string> Allocation);

    private sealed record SearchSummary(string Algorithm, string Objective, int Evaluations, int Genes, double SpaceSize,
        FrontPoint Greedy, IReadOnlyList<FrontPoint> Front)
    {
        public static SearchSummary From(GeneticResult r) => new("nsga2", r.Objective.ToString().ToLowerInvariant(), r.Evaluations, r.Genes,
            r.SpaceSize, Point(r.Greedy, r.Chosen), [.. r.Front.Select(p => Point(p, r.Chosen))]);

        private static FrontPoint Point(ParetoPoint p, ParetoPoint chosen) => new(p.LatencySeconds, p.EnergyJ, p.Metrics.Edp, p == chosen,
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
            table.AddRow(p == r.Chosen ? "[bold]→[/]" : "", Units.Si(p.LatencySeconds, "s"), Units.Si(p.EnergyJ, "J"), Units.Si(p.Metrics.Edp, "J·s"),
                $"{p.LatencySeconds / r.Greedy.LatencySeconds - 1:+0.0%;-0.0%;0%}, {p.EnergyJ / r.Greedy.EnergyJ - 1:+0.0%;-0.0%;0%}");
        table.AddRow("greedy", Units.Si(r.Greedy.LatencySeconds, "s"), Units.Si(r.Greedy.EnergyJ, "J"), Units.Si(r.Greedy.Metrics.Edp, "J·s"), "");
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

using System.Collections.Immutable;
using Tessera.Diagnostics;
using Tessera.Scheduling;
using Tessera.Scoring;

namespace Tessera.Search;

/// <summary>
/// Settings of the genetic allocation: population and generations (small defaults: each candidate is a full
/// simulation), the seed of the only random source, crossover kind and rate, and the per-gene mutation rate
/// (default 1 / genes). <see cref="Objective"/> picks the reported point of the front. <see cref="GreedyMutants"/> is
/// the share of the initial population (after the greedy genome itself) made of greedy mutants; the rest is random.
/// </summary>
public sealed record GeneticOptions(
    int Population = 16,
    int Generations = 20,
    int Seed = 1,
    Objective? Objective = null,
    bool UniformCrossover = true,
    double CrossoverRate = 0.9,
    double? MutationRate = null,
    double GreedyMutants = 0)
{
    /// <summary>The point of the front reported, EDP unless given: any objective over latency and energy.</summary>
    public Objective Objective { get; init; } = Objective ?? Objective.Edp;
}

/// <summary>One Pareto-optimal allocation: the simulator's metrics and the core of every layer.</summary>
public sealed record ParetoPoint(Metrics Metrics, ImmutableDictionary<(string Model, string Operator), CoreRef> Allocation)
{
    public double LatencySeconds => Metrics.LatencySeconds;

    public double EnergyJ => Metrics.EnergyJ;

    /// <summary>The genome (index into each gene's allowed cores) behind the allocation.</summary>
    public ImmutableArray<int> Genome { get; init; } = [];

    public double Score(Objective objective) => objective.Score(Metrics);
}

/// <summary>
/// The outcome of a search: the Pareto front over latency and energy (by ascending latency), the point chosen for
/// the objective, the greedy allocation it started from, and how many distinct genomes were simulated.
/// </summary>
public sealed record GeneticResult(ImmutableArray<ParetoPoint> Front, ParetoPoint Chosen, ParetoPoint Greedy,
    Objective Objective, int Evaluations, int Genes, double SpaceSize);

/// <summary>
/// NSGA-II over layer → core (Stream's allocation search, which runs DEAP's NSGA-II): binary tournament on
/// (rank, crowding), uniform or one-point crossover, per-gene mutation to another allowed core, elitist (μ+λ)
/// replacement by front and crowding. The initial population holds the greedy allocation, and the front reported
/// is the non-dominated set of every genome simulated (DEAP's Pareto hall of fame), so the chosen point is never
/// worse than greedy by any objective. Genomes are memoised; one seeded <see cref="Random"/> drives everything.
/// </summary>
public sealed class GeneticAllocator(AllocationProblem problem, GeneticOptions? options = null)
{
    private readonly GeneticOptions _options = options ?? new GeneticOptions();
    private readonly Dictionary<string, int> _memo = new(StringComparer.Ordinal);
    private readonly List<(ImmutableArray<int> Genome, double[] Objectives, Metrics Metrics)> _evaluated = [];

    public GeneticResult Run(IProgress<double>? progress = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(problem);
        if (_options.Population < 2) throw new TesseraInputException($"population {_options.Population}; expected at least 2");
        if (_options.Generations < 0) throw new TesseraInputException($"generations {_options.Generations}; expected 0 or more");
        var genes = problem.Genes;
        var random = new Random(_options.Seed);
        double mutation = _options.MutationRate ?? 1.0 / Math.Max(1, genes.Length);
        int n = _options.Population;
        int steps = (_options.Generations + 1) * n, done = 0;
        void Step() => progress?.Report(Math.Min(1.0, ++done / (double)steps));

        var greedy = problem.Greedy();
        // Some of the rest are greedy mutants, the others uniform random: on large genomes a random allocation is
        // far from the front, and mutants give the search a foothold near the good region from the start.
        var population = new List<ImmutableArray<int>> { greedy };
        double seedRate = Math.Min(0.5, 3.0 / Math.Max(1, genes.Length));
        int mutants = (int)Math.Round((n - 1) * Math.Clamp(_options.GreedyMutants, 0, 1));
        while (population.Count < n)
            population.Add(population.Count <= mutants && genes.Length > 0
                ? Mutant(random, greedy, seedRate)
                : [.. genes.Select(g => random.Next(g.Allowed.Length))]);
        var scores = population.Select(g => { var s = Evaluate(g, cancellation); Step(); return s; }).ToList();

        for (int generation = 0; generation < _options.Generations; generation++)
        {
            var (rank, crowding) = Rank(scores);
            var offspring = new List<ImmutableArray<int>>(n);
            while (offspring.Count < n)
            {
                var a = population[Tournament(random, rank, crowding)];
                var b = population[Tournament(random, rank, crowding)];
                var (c, d) = random.NextDouble() < _options.CrossoverRate ? Crossover(random, a, b) : (a.ToArray(), b.ToArray());
                offspring.Add(Mutate(random, c, mutation));
                if (offspring.Count < n) offspring.Add(Mutate(random, d, mutation));
            }
            var merged = population.Concat(offspring).ToList();
            var mergedScores = scores.Concat(offspring.Select(g => { var s = Evaluate(g, cancellation); Step(); return s; })).ToList();
            var survivors = Survivors(mergedScores, n);
            population = [.. survivors.Select(i => merged[i])];
            scores = [.. survivors.Select(i => mergedScores[i])];
        }
        progress?.Report(1.0);
        return Result(greedy);
    }

    private double[] Evaluate(ImmutableArray<int> genome, CancellationToken cancellation)
    {
        cancellation.ThrowIfCancellationRequested();
        string key = string.Join(',', genome);
        if (_memo.TryGetValue(key, out int index)) return _evaluated[index].Objectives;
        var evaluation = problem.Simulate(genome, cancellation).Evaluation;
        double[] objectives = [evaluation.LatencySeconds, evaluation.Energy.TotalJ];
        _memo[key] = _evaluated.Count;
        _evaluated.Add((genome, objectives, evaluation.Metrics));
        return objectives;
    }

    private static (int[] Rank, double[] Crowding) Rank(List<double[]> scores)
    {
        var rank = new int[scores.Count];
        var crowding = new double[scores.Count];
        var fronts = Nsga2.Sort(scores);
        for (int f = 0; f < fronts.Count; f++)
        {
            var distance = Nsga2.CrowdingDistance(scores, fronts[f]);
            for (int i = 0; i < fronts[f].Count; i++) (rank[fronts[f][i]], crowding[fronts[f][i]]) = (f, distance[i]);
        }
        return (rank, crowding);
    }

    /// <summary>Binary tournament: the lower front wins, then the less crowded.</summary>
    private static int Tournament(Random random, int[] rank, double[] crowding)
    {
        int a = random.Next(rank.Length), b = random.Next(rank.Length);
        if (rank[a] != rank[b]) return rank[a] < rank[b] ? a : b;
        return crowding[b] > crowding[a] ? b : a;
    }

    private (int[], int[]) Crossover(Random random, ImmutableArray<int> a, ImmutableArray<int> b)
    {
        int[] c = a.ToArray(), d = b.ToArray();
        if (_options.UniformCrossover)
        {
            for (int i = 0; i < c.Length; i++)
                if (random.NextDouble() < 0.5) (c[i], d[i]) = (d[i], c[i]);
        }
        else if (c.Length > 1)
        {
            for (int i = random.Next(1, c.Length); i < c.Length; i++) (c[i], d[i]) = (d[i], c[i]);
        }
        return (c, d);
    }

    /// <summary>Each gene moves, with the mutation rate, to a different allowed core.</summary>
    private ImmutableArray<int> Mutate(Random random, int[] genome, double rate)
    {
        for (int i = 0; i < genome.Length; i++)
        {
            int choices = problem.Genes[i].Allowed.Length;
            if (choices > 1 && random.NextDouble() < rate)
                genome[i] = (genome[i] + 1 + random.Next(choices - 1)) % choices;
        }
        return [.. genome];
    }

    /// <summary>A copy of <paramref name="genome"/> with at least one gene moved (to vary the initial population).</summary>
    private ImmutableArray<int> Mutant(Random random, ImmutableArray<int> genome, double rate)
    {
        var copy = genome.ToArray();
        var movable = Enumerable.Range(0, copy.Length).Where(i => problem.Genes[i].Allowed.Length > 1).ToArray();
        int forced = movable.Length == 0 ? -1 : movable[random.Next(movable.Length)];
        for (int i = 0; i < copy.Length; i++)
        {
            int choices = problem.Genes[i].Allowed.Length;
            if (choices > 1 && (i == forced || random.NextDouble() < rate))
                copy[i] = (copy[i] + 1 + random.Next(choices - 1)) % choices;
        }
        return [.. copy];
    }

    /// <summary>Elitist (μ+λ) replacement: whole fronts in order, the last one cut by descending crowding distance.</summary>
    private static List<int> Survivors(List<double[]> scores, int n)
    {
        var survivors = new List<int>(n);
        foreach (var front in Nsga2.Sort(scores))
        {
            if (survivors.Count + front.Count <= n)
            {
                survivors.AddRange(front);
                continue;
            }
            var distance = Nsga2.CrowdingDistance(scores, front);
            survivors.AddRange(Enumerable.Range(0, front.Count).OrderByDescending(i => distance[i]).ThenBy(i => i)
                .Take(n - survivors.Count).Select(i => front[i]));
            break;
        }
        return survivors;
    }

    private GeneticResult Result(ImmutableArray<int> greedy)
    {
        var points = _evaluated.Select(e => e.Objectives).ToList();
        var seen = new HashSet<(double, double)>();
        var front = Nsga2.Sort(points)[0]
            .Where(i => seen.Add((points[i][0], points[i][1]))) // one genome per distinct point (the first simulated)
            .Select(i => Point(i))
            .OrderBy(p => p.LatencySeconds).ThenBy(p => p.EnergyJ)
            .ToImmutableArray();
        var objective = _options.Objective;
        var chosen = front.OrderBy(p => p.Score(objective)).ThenBy(p => p.Metrics.Edp).First();
        var greedyPoint = Point(_memo[string.Join(',', greedy)]);
        return new GeneticResult(front, chosen, greedyPoint, objective, _evaluated.Count, problem.Genes.Length, problem.SpaceSize);
    }

    private ParetoPoint Point(int evaluated) =>
        new(_evaluated[evaluated].Metrics, problem.Allocation(_evaluated[evaluated].Genome)) { Genome = _evaluated[evaluated].Genome };
}

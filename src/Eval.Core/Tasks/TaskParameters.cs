using System.Globalization;
using Eval.Core.Validation;

namespace Eval.Core.Tasks;

/// <summary>
/// Validated access to a task's string parameters; unknown keys are errors listing the accepted ones. A bad value is
/// recorded and its default used, so every problem is found; <see cref="ThrowIfInvalid"/> (called once all parameters
/// are read) reports them all in one <see cref="TaskException"/>, and <see cref="Canonical"/> refuses to describe an
/// invalid set.
/// </summary>
public sealed class TaskParameters
{
    private readonly string task;
    private readonly IReadOnlyDictionary<string, string> values;
    private readonly SortedDictionary<string, string> used = new(StringComparer.Ordinal);
    private readonly List<string> problems = [];

    public TaskParameters(string task, IReadOnlyDictionary<string, string> values, params string[] accepted)
    {
        (this.task, this.values) = (task, values);
        foreach (string key in values.Keys)
            if (!accepted.Contains(key))
                problems.Add($"Task \"{task}\" has no parameter \"{key}\". Accepted: {string.Join(", ", accepted)}.{DidYouMean.Hint(key, accepted)}");
    }

    /// <summary>Every parameter with its effective value (defaults included), sorted: the task's identity.</summary>
    public string Canonical
    {
        get
        {
            ThrowIfInvalid();
            return string.Join(",", used.Select(p => $"{p.Key}={p.Value}"));
        }
    }

    /// <summary>Records a problem found by the caller (e.g. a parameter of another protocol); reported with the rest.</summary>
    public void Problem(string message) => problems.Add(message);

    /// <summary>Throws one <see cref="TaskException"/> listing every problem found so far, if any.</summary>
    public void ThrowIfInvalid()
    {
        if (problems.Count > 0) throw new TaskException(problems.ToList());
    }

    /// <summary>Whether the caller gave <paramref name="key"/> (a default is not given).</summary>
    public bool Has(string key) => values.ContainsKey(key);

    public int Integer(string key, int fallback, int min, int max = int.MaxValue)
    {
        int value = fallback;
        if (values.TryGetValue(key, out string? text) &&
            (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out value) || value < min || value > max))
        {
            problems.Add($"Task \"{task}\": {key}={text} is not valid. Expected a whole number in [{min}, {max}].");
            value = fallback;
        }
        used[key] = value.ToString(CultureInfo.InvariantCulture);
        return value;
    }

    /// <summary>
    /// As <see cref="Integer"/>, but the default stays out of <see cref="Canonical"/>: a parameter added later leaves
    /// the identity (and so the stored results) of every case that does not use it as it was.
    /// </summary>
    public int OptionalInteger(string key, int fallback, int min, int max = int.MaxValue)
    {
        int value = Integer(key, fallback, min, max);
        if (value == fallback) used.Remove(key);
        return value;
    }

    /// <summary>true or false (default false); recorded in <see cref="Canonical"/> only when true, as <see cref="OptionalInteger"/>.</summary>
    public bool Flag(string key)
    {
        string value = Choice(key, "false", "true", "false");
        if (value == "false") used.Remove(key);
        return value == "true";
    }

    public double Number(string key, double fallback, double min, double max)
    {
        double value = fallback;
        if (values.TryGetValue(key, out string? text) &&
            (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value) || !(value >= min && value <= max)))
        {
            problems.Add($"Task \"{task}\": {key}={text} is not valid. Expected a number in [{min.ToString(CultureInfo.InvariantCulture)}, {max.ToString(CultureInfo.InvariantCulture)}].");
            value = fallback;
        }
        used[key] = value.ToString("R", CultureInfo.InvariantCulture);
        return value;
    }

    /// <summary>Free text (a path, a name), recorded as given.</summary>
    public string Text(string key, string fallback)
    {
        string value = values.TryGetValue(key, out string? text) ? text : fallback;
        used[key] = value;
        return value;
    }

    public string Choice(string key, string fallback, params string[] options)
    {
        string value = values.TryGetValue(key, out string? text) ? text.ToLowerInvariant() : fallback;
        if (!options.Contains(value))
        {
            problems.Add($"Task \"{task}\": {key}={text} is not valid. Valid: {string.Join(", ", options)}.{DidYouMean.Hint(value, options)}");
            value = fallback;
        }
        used[key] = value;
        return value;
    }

    /// <summary>A list of numbers separated by '|' or ';' (or given as a YAML list joined by the suite loader).</summary>
    public double[] Numbers(string key, double[] fallback, double min, double max)
    {
        double[] result = fallback;
        int before = problems.Count;
        if (values.TryGetValue(key, out string? text))
        {
            var parsed = new List<double>();
            foreach (string part in text.Split(['|', ';'], StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                if (double.TryParse(part, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && v >= min && v <= max) parsed.Add(v);
                else problems.Add($"Task \"{task}\": {key} entry \"{part}\" is not valid. Expected numbers in [{min.ToString(CultureInfo.InvariantCulture)}, {max.ToString(CultureInfo.InvariantCulture)}] separated by '|'.");
            }
            result = [.. parsed];
        }
        if (result.Length == 0)
        {
            if (problems.Count == before) problems.Add($"Task \"{task}\": {key} is empty.");
            result = fallback;
        }
        used[key] = string.Join("|", result.Select(v => v.ToString("R", CultureInfo.InvariantCulture)));
        return result;
    }
}

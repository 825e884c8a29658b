using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Eval.Core.Models;

/// <summary>Typed reads of config.json fields; every mistyped or out-of-range value is an error naming the file and the field.</summary>
internal sealed class FieldReader(string path, JsonObject json)
{
    public ModelConfigException Missing(string field) => new($"{path}: required field \"{field}\" is missing.");

    private ModelConfigException Wrong(string field, JsonNode node, string expected) =>
        new($"{path}: field \"{field}\" is {node.ToJsonString()}; expected {expected}.");

    public string? String(string field) => json[field] is { } n
        ? n.GetValueKind() == JsonValueKind.String ? n.GetValue<string>() : throw Wrong(field, n, "a string")
        : null;

    /// <summary>
    /// Sizes, counts, theta and eps must be above zero (and finite): a zero head count divides by zero, a negative
    /// size allocates garbage, a negative eps makes every norm NaN. Refused here, once, for every caller.
    /// </summary>
    public int Positive(string field, int value) =>
        value > 0 ? value : throw new ModelConfigException($"{path}: field \"{field}\" is {value}; expected a whole number above 0.");

    public double Positive(string field, double value) =>
        value > 0 && double.IsFinite(value) ? value
            : throw new ModelConfigException($"{path}: field \"{field}\" is {value.ToString("R", CultureInfo.InvariantCulture)}; expected a finite number above 0.");

    public int? Int(string field) => json[field] is { } n ? IntOf(field, n) : null;

    public int IntOf(string field, JsonNode n) =>
        n.GetValueKind() == JsonValueKind.Number && n.GetValue<double>() is var d && d == Math.Floor(d) && Math.Abs(d) <= int.MaxValue
            ? (int)d : throw Wrong(field, n, "a whole number");

    public double? Double(string field) => json[field] is { } n ? DoubleOf(field, n) : null;

    public double DoubleOf(string field, JsonNode n) =>
        n.GetValueKind() == JsonValueKind.Number ? n.GetValue<double>() : throw Wrong(field, n, "a number");

    public bool? Bool(string field) => json[field] is { } n
        ? n.GetValueKind() is JsonValueKind.True or JsonValueKind.False ? n.GetValue<bool>() : throw Wrong(field, n, "true or false")
        : null;

    public int[] IntList(string field) => json[field] switch
    {
        null => [],
        JsonArray list => list.Select(x => IntOf(field, x!)).ToArray(),
        var n => [IntOf(field, n)],
    };

    /// <summary>
    /// A string field that must be one of <paramref name="valid"/> (absent: <paramref name="absent"/>, transformers'
    /// default); any other value is refused, naming the field and the values the runtime implements.
    /// </summary>
    public string OneOf(string field, string absent, string[] valid, string what)
    {
        string value = String(field) ?? absent;
        return valid.Contains(value) ? value
            : throw new ModelConfigException($"{path}: field \"{field}\" is \"{value}\"; it is not honoured: {what} runs {string.Join(", ", valid)} only." +
                Eval.Core.Validation.DidYouMean.Hint(value, valid));
    }

    /// <summary>A true/false field that must have the one value the runtime implements (absent: that value).</summary>
    public void Must(string field, bool implemented, string why)
    {
        if (Bool(field) is bool value && value != implemented)
            throw new ModelConfigException($"{path}: field \"{field}\" is {(value ? "true" : "false")}; it is not honoured: {why}");
    }

    /// <summary>
    /// One quantity under two names (an old field and its transformers rename, or a top-level field and rope_parameters'):
    /// both given and different is refused, since only one could be honoured.
    /// </summary>
    public double? Either(string field, double? value, string otherField, double? other) =>
        value is double a && other is double b && a != b
            ? throw new ModelConfigException($"{path}: fields \"{field}\" ({a.ToString("R", CultureInfo.InvariantCulture)}) and \"{otherField}\" " +
                $"({b.ToString("R", CultureInfo.InvariantCulture)}) name the same quantity and differ; keep one.")
            : value ?? other;
}

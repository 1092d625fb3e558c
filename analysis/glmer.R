# The study's mixed models in lme4, for R users and as a cross-check of vgslib's estimators.
#
#   Rscript analysis/glmer.R results/laptop            # reads trials.csv written by notebooks/analyse.py
#
# Input: one row per trial (correct 0/1, test, lang, condition_label, run_id, seed, concept, preset).
# The models are those of vgslib.results.glmm, fitted by maximum likelihood (Laplace) on the counts of correct
# trials per run and novel word:
#   against chance (one condition, one test language):
#     cbind(k, n - k) ~ 1 + (1 | seed) + (1 | concept) + (1 | seed:concept)
#   contrasts (two conditions, one test language; x = +1/2 for the condition, -1/2 for the reference):
#     cbind(k, n - k) ~ x + (1 | run_id) + (1 + x || concept) + (1 | run_id:concept)
# Output: glmer-chance.csv and glmer-contrasts.csv in the same folder.

suppressPackageStartupMessages(library(lme4))

args <- commandArgs(trailingOnly = TRUE)
folder <- if (length(args) > 0) args[1] else "results/laptop"
trials <- read.csv(file.path(folder, "trials.csv"))
contrasts <- read.csv(file.path(folder, "contrasts.csv"))

counts <- function(part, unit) {
  agg <- aggregate(correct ~ condition_label + unit + concept,
                   data = transform(part, unit = part[[unit]]), FUN = function(v) c(k = sum(v), n = length(v)))
  data.frame(agg[, c("condition_label", "unit", "concept")], k = agg$correct[, "k"], n = agg$correct[, "n"])
}

fit_row <- function(fit, term) {
  est <- fixef(fit)[[term]]
  se <- sqrt(diag(vcov(fit)))[[term]]
  c(estimate = est, low = est - qnorm(0.975) * se, high = est + qnorm(0.975) * se,
    p = 2 * pnorm(-abs(est / se)), singular = isSingular(fit))
}

control <- glmerControl(optimizer = "bobyqa")

# ME against chance: every (condition, test language) cell of the NF test.
nf <- trials[trials$test == "nf", ]
chance <- list()
for (cell in split(nf, list(nf$condition_label, nf$lang), drop = TRUE)) {
  d <- counts(cell, "seed")
  formula <- if (length(unique(d$unit)) > 1) {
    cbind(k, n - k) ~ 1 + (1 | unit) + (1 | concept) + (1 | unit:concept)
  } else {
    cbind(k, n - k) ~ 1 + (1 | concept)
  }
  fit <- glmer(formula, data = d, family = binomial, control = control)
  row <- fit_row(fit, "(Intercept)")
  chance[[length(chance) + 1]] <- data.frame(condition_label = cell$condition_label[1], lang = cell$lang[1],
    accuracy = plogis(row[["estimate"]]), low = plogis(row[["low"]]), high = plogis(row[["high"]]),
    p = row[["p"]], singular = as.logical(row[["singular"]]))
}
write.csv(do.call(rbind, chance), file.path(folder, "glmer-chance.csv"), row.names = FALSE)

# Contrasts: the same pairs as the analysis notebook (its contrasts.csv), one row per pair and test.
pairs <- unique(contrasts[, c("family", "lang", "condition", "reference", "test")])
rows <- list()
for (i in seq_len(nrow(pairs))) {
  p <- pairs[i, ]
  part <- trials[trials$test == p$test & trials$lang == p$lang &
                 trials$condition_label %in% c(p$condition, p$reference), ]
  if (max(tapply(part$correct, part$condition_label, mean)) >= 0.99) next  # a ceiling: no effect size
  d <- counts(part, "run_id")
  d$x <- ifelse(d$condition_label == p$condition, 0.5, -0.5)
  replicated <- min(table(unique(d[, c("condition_label", "unit")])$condition_label)) > 1
  formula <- if (replicated) {
    cbind(k, n - k) ~ x + (1 | unit) + (1 + x || concept) + (1 | unit:concept)
  } else {
    cbind(k, n - k) ~ x + (1 + x || concept)
  }
  fit <- glmer(formula, data = d, family = binomial, control = control)
  row <- fit_row(fit, "x")
  rows[[length(rows) + 1]] <- data.frame(p, log_odds_ratio = row[["estimate"]], low = row[["low"]],
    high = row[["high"]], p_value = row[["p"]], singular = as.logical(row[["singular"]]))
}
write.csv(do.call(rbind, rows), file.path(folder, "glmer-contrasts.csv"), row.names = FALSE)
cat("lme4", as.character(packageVersion("lme4")), "->", folder, "\n")

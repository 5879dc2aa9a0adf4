## Reference values for the design-based risk and odds ratios in tests/test_survey_design.py:
## the ratio of two domain shares and its interval on the log scale, as R's survey
## package gives them (svyby with covmat = TRUE, then svycontrast of the log ratio).
## Run from the repository root:
##   Rscript tests/reference/svy_risk_ratio.R > tests/reference/svy_risk_ratio.Rout
suppressMessages(library(survey))
data(api)
cat(R.version.string, "; survey", format(packageVersion("survey")), "\n\n")

## exposed: elementary schools (stype E); reference: middle and high schools (H, M)
## outcomes: met the school-wide target (sch.wide), met the comparable-improvement target
for (name in c("apiclus1", "apistrat", "apiclus2")) {
  frame <- get(name)
  frame$elementary <- frame$stype == "E"
  frame$met <- frame$sch.wide == "Yes"
  frame$improved <- frame$comp.imp == "Yes"
  assign(name, frame)
}
designs <- list(
  dclus1 = svydesign(id = ~dnum, weights = ~pw, fpc = ~fpc, data = apiclus1),
  dclus1_wr = svydesign(id = ~dnum, weights = ~pw, data = apiclus1),
  dstrat = svydesign(id = ~1, strata = ~stype, weights = ~pw, fpc = ~fpc, data = apistrat),
  dclus2_wr = svydesign(id = ~dnum, weights = ~pw, data = apiclus2)
)

ratios <- function(formula, design, label) {
  by_group <- svyby(formula, ~elementary, design, svymean, covmat = TRUE)
  shares <- coef(by_group)
  ## the coefficient of the TRUE answer within each group: names like "TRUE:x..TRUE"
  p <- shares[grepl("TRUE$", names(shares))]
  names(p) <- c("reference", "exposed")  # FALSE (H, M) first, then TRUE (E)
  v <- vcov(by_group)[grepl("TRUE$", names(shares)), grepl("TRUE$", names(shares))]
  ## delta method on the log scale, normal quantile, as confint(svycontrast(...)) does
  g_rr <- c(-1 / p[["reference"]], 1 / p[["exposed"]])
  g_or <- c(-1 / (p[["reference"]] * (1 - p[["reference"]])),
            1 / (p[["exposed"]] * (1 - p[["exposed"]])))
  log_rr <- log(p[["exposed"]] / p[["reference"]])
  log_or <- qlogis(p[["exposed"]]) - qlogis(p[["reference"]])
  se_rr <- sqrt(drop(t(g_rr) %*% v %*% g_rr))
  se_or <- sqrt(drop(t(g_or) %*% v %*% g_or))
  z <- qnorm(0.975)
  cat("==== ", label, ": ", deparse(formula), " by elementary (E vs H, M)\n", sep = "")
  print(data.frame(share_exposed = p[["exposed"]], share_reference = p[["reference"]],
                   risk_ratio = exp(log_rr), rr_low = exp(log_rr - z * se_rr),
                   rr_high = exp(log_rr + z * se_rr), odds_ratio = exp(log_or),
                   or_low = exp(log_or - z * se_or), or_high = exp(log_or + z * se_or)),
        digits = 7, row.names = FALSE)
  ## the same log risk ratio from svycontrast, a check on the gradient written above
  terms <- names(shares)[grepl("TRUE$", names(shares))]
  contrast <- svycontrast(by_group, parse(text = sprintf("log(`%s` / `%s`)", terms[2], terms[1]))[[1]])
  cat("svycontrast: log risk ratio", format(coef(contrast), digits = 7), "SE",
      format(SE(contrast), digits = 7), "\n")
  two_way <- as.formula(paste("~", all.vars(formula), "+ elementary"))
  cat("svychisq (second-order Rao-Scott) p-value:",
      format(svychisq(two_way, design)$p.value, digits = 7), "\n\n")
}

for (label in names(designs)) {
  ratios(~met, designs[[label]], label)
  ratios(~improved, designs[[label]], label)
}

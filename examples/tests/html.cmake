# SPDX-License-Identifier: MIT
# ctest driver: keel-report --html writes a page that parses as XML (xmllint --noout, Debian's
# libxml2-utils), with the eight SVG charts inline (each parsed as part of the page; the
# mean-CVaR frontier's found by its id and title, its table by its caption) and no script or
# external reference.
# With -DFACTORS=file the page is of `--factors file` and must hold section 11's factor table.
#   cmake -DPROGRAM=path -DOUT=page.html -DXMLLINT=path [-DFACTORS=path] -P html.cmake
set(factor_args)
set(factor_headings)
if(FACTORS)
  set(factor_args --factors "${FACTORS}")
  set(factor_headings "Factor exposure breakdown" "<td class=\"name\">MKT</td>")
endif()
execute_process(COMMAND "${PROGRAM}" --html "${OUT}" ${factor_args} RESULT_VARIABLE rc OUTPUT_VARIABLE out
                ERROR_VARIABLE err)
if(NOT rc STREQUAL "0" OR NOT err STREQUAL "")
  message(FATAL_ERROR "keel-report --html failed (${rc}):\n${out}\n${err}")
endif()
if(NOT out MATCHES "wrote ")
  message(FATAL_ERROR "keel-report --html does not say it wrote the page:\n${out}")
endif()
if(NOT XMLLINT)
  message(FATAL_ERROR "xmllint not found (Debian: apt-get install libxml2-utils, or scripts/install-deps)")
endif()
execute_process(COMMAND "${XMLLINT}" --noout "${OUT}" RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc STREQUAL "0")
  message(FATAL_ERROR "${OUT} is not well-formed XML:\n${err}")
endif()
file(READ "${OUT}" page)
string(REGEX MATCHALL "<svg xmlns=\"http://www.w3.org/2000/svg\"" svgs "${page}")
list(LENGTH svgs count)
if(count LESS 8)
  message(FATAL_ERROR "${OUT} holds ${count} SVG charts, expected 8")
endif()
foreach(forbidden "<script" "http://" "https://")
  string(REPLACE "http://www.w3.org/" "" stripped "${page}")
  string(FIND "${stripped}" "${forbidden}" at)
  if(NOT at EQUAL -1)
    message(FATAL_ERROR "${OUT} contains '${forbidden}': the page must be self-contained")
  endif()
endforeach()
foreach(heading "1. Positions" "9. Hedge" "10. Portfolio construction" "Efficient frontier" "id=\"cvar-frontier"
        "Mean-CVaR frontier of the held assets" "Mean-CVaR frontier (95%, 1 day):" "id=\"hedge-payoff" "Hedge payoffs at the expiry of the options" "Hedge strategies side by side" "11. Risk models"
        "Volatility forecasts (annualised):" "GARCH(1,1) fit:" ${factor_headings})
  string(FIND "${page}" "${heading}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "${OUT} lacks '${heading}'")
  endif()
endforeach()
message("${OUT}: well-formed XML with ${count} inline SVG charts")
